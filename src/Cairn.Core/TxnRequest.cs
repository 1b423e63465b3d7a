namespace Cairn.Core;

/// <summary>
/// If every compare holds, run <paramref name="Success"/>, otherwise <paramref name="Failure"/>: atomically, and with all
/// writes at one new revision. Reads in the ops see the writes of earlier ops. A txn may not write the same key twice.
/// </summary>
/// <param name="Compares">Conditions, all of which must hold.</param>
/// <param name="Success">Ops run when they hold.</param>
/// <param name="Failure">Ops run when any does not.</param>
public sealed record TxnRequest(IReadOnlyList<Compare> Compares, IReadOnlyList<KvRequest> Success, IReadOnlyList<KvRequest> Failure)
{
    /// <summary>True when no op in either branch writes.</summary>
    public bool IsReadOnly => Success.All(o => o is RangeRequest) && Failure.All(o => o is RangeRequest);
}

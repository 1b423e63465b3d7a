namespace Cairn.Core;

/// <summary>The outcome of a <see cref="TxnRequest"/>.</summary>
/// <param name="Revision">The store revision after the txn (new if it wrote).</param>
/// <param name="Succeeded">True when every compare held and the success branch ran.</param>
/// <param name="Results">One result per op of the branch that ran, in order.</param>
public sealed record TxnResult(long Revision, bool Succeeded, IReadOnlyList<KvResult> Results) : KvResult(Revision);

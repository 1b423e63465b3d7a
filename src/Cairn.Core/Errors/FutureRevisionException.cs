namespace Cairn.Core;

/// <summary>The revision asked for has not been written yet.</summary>
public sealed class FutureRevisionException(long requestedRevision, long currentRevision)
    : CairnException($"Revision {requestedRevision} is in the future; the current revision is {currentRevision}.")
{
    /// <summary>The revision that was asked for.</summary>
    public long RequestedRevision { get; } = requestedRevision;

    /// <summary>The store's revision when the request was made.</summary>
    public long CurrentRevision { get; } = currentRevision;

    /// <inheritdoc />
    public override string Code => ErrorCodes.FutureRevision;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["requestedRevision"] = RequestedRevision,
        ["currentRevision"] = CurrentRevision,
    };
}

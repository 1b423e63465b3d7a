namespace Cairn.Core;

/// <summary>The revision asked for is below the compaction point; history before <see cref="CompactRevision"/> is gone.</summary>
public sealed class CompactedException(long requestedRevision, long compactRevision)
    : CairnException($"Revision {requestedRevision} has been compacted; the oldest readable revision is {compactRevision}.")
{
    /// <summary>The revision that was asked for.</summary>
    public long RequestedRevision { get; } = requestedRevision;

    /// <summary>The compaction point: the oldest revision still readable.</summary>
    public long CompactRevision { get; } = compactRevision;

    /// <inheritdoc />
    public override string Code => ErrorCodes.Compacted;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["requestedRevision"] = RequestedRevision,
        ["compactRevision"] = CompactRevision,
    };
}

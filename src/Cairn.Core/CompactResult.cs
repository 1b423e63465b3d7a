namespace Cairn.Core;

/// <summary>The outcome of a compaction.</summary>
/// <param name="Revision">The store revision when the compaction ran.</param>
/// <param name="CompactRevision">The new compaction point: reads and watches below it are no longer possible.</param>
public sealed record CompactResult(long Revision, long CompactRevision) : KvResult(Revision);

using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// One result of evaluating a write, as a log entry carries it: not the request, but what it did, so that applying
/// it needs no clock and no decision and every node reaches the same state. An entry is a list of effects, applied in
/// order.
/// </summary>
internal abstract record Effect
{
    /// <summary>The changes of one revision, the next after the state's: each key's full new key-value (a put), or a
    /// tombstone (version 0: a delete), in the order they were made.</summary>
    public sealed record Write(long Revision, KeyChange[] Changes) : Effect;

    /// <summary>A lease granted with its TTL and deadline (UTC ticks).</summary>
    public sealed record LeaseGranted(long Id, long TtlSeconds, long DeadlineTicks) : Effect;

    /// <summary>A lease renewed to a new deadline (UTC ticks).</summary>
    public sealed record LeaseRenewed(long Id, long DeadlineTicks) : Effect;

    /// <summary>A lease revoked or expired; its keys were deleted by the <see cref="Write"/> before it.</summary>
    public sealed record LeaseEnded(long Id) : Effect;

    /// <summary>History below this revision discarded.</summary>
    public sealed record Compacted(long Revision) : Effect;
}

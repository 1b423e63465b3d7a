using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Replicated;

/// <summary>Settings of a <see cref="ReplicatedKeyspace"/> node.</summary>
public sealed record ReplicatedKeyspaceOptions
{
    /// <summary>The backend's name in status reports: <c>zookeeper</c> for the ZooKeeper log, <c>memory</c> for
    /// <see cref="MemoryKeyspaceLog"/>.</summary>
    public required string BackendName { get; init; }

    /// <summary>The store's clock: lease deadlines (wall-clock time, written into the log so that every node agrees on
    /// them), the expiry sweeper, watch progress notifications and the periodic catch-up. A fake one in tests.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Limits every request is checked against before it reaches the log, so that no entry the log holds is
    /// larger than they allow.</summary>
    public KeyspaceLimits Limits { get; init; } = new();

    /// <summary>Most write requests evaluated together into one log entry (one append).</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Most bytes of keys and values evaluated into one entry: a batch stops growing once past it (a single
    /// larger request still goes alone), so that no entry is much larger than the largest request.</summary>
    public int MaxBatchBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>A snapshot is written after every entry whose index is a multiple of this, by the node that appended
    /// it; the log then drops the entries the previous snapshot covered.</summary>
    public long SnapshotEvery { get; init; } = 10_000;

    /// <summary>How often each node looks for expired leases; a lease is revoked at most about this long after its
    /// deadline (by whichever node looks first).</summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a node reads the log even without a <see cref="IKeyspaceLog.Grown"/> hint: the fallback
    /// should a hint be lost.</summary>
    public TimeSpan CatchUpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Progress notification interval of a watch that does not choose one.</summary>
    public TimeSpan DefaultProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events of the most recent revisions kept ready for watchers; a watcher further behind reads the
    /// in-memory history instead.</summary>
    public int WatchCacheEvents { get; init; } = 65_536;

    /// <summary>Where the node reports what it does; null for nowhere.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings a node cannot run with.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BackendName);
        ArgumentNullException.ThrowIfNull(Time);
        ArgumentNullException.ThrowIfNull(Limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SnapshotEvery, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseSweepInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CatchUpInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultProgressInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(WatchCacheEvents);
    }
}

using Cairn.Core;

namespace Cairn.Storage.Log;

/// <summary>Settings of the embedded log backend (<see cref="LogKeyspace"/>).</summary>
public sealed record LogKeyspaceOptions
{
    /// <summary>The directory of the log and its snapshot.</summary>
    public required string Directory { get; init; }

    /// <summary>fdatasync each batch's record before it is confirmed (the default); off, confirmed writes survive a
    /// killed process but not a power loss.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>The size at which a log segment is closed and the next started.</summary>
    public long SegmentBytes { get; init; } = 64L << 20;

    /// <summary>A snapshot of the whole state every this many records (batches).</summary>
    public long SnapshotEvery { get; init; } = 10_000;

    /// <summary>The store's clock (lease deadlines).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Limits every request is checked against.</summary>
    public KeyspaceLimits Limits { get; init; } = new();
}

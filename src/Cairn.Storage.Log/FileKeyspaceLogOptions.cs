using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Log;

/// <summary>Settings of a <see cref="FileKeyspaceLog"/>.</summary>
public sealed record FileKeyspaceLogOptions
{
    /// <summary>The directory of the log's segments and snapshot; created if missing. One process at a time.</summary>
    public required string Directory { get; init; }

    /// <summary>Whether an append is flushed to the disk (<c>fdatasync</c>) before it is confirmed. Off, a confirmed write
    /// survives the process being killed but not a power loss or a kernel crash.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>A segment is closed and a new one started once it is past this size; whole segments are what truncation
    /// deletes.</summary>
    public long SegmentBytes { get; init; } = 64L << 20;

    /// <summary>Where the log reports what it recovered and what failed; null for nowhere.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentBytes, 4096);
    }
}

namespace Cairn.Storage.Sqlite;

/// <summary>Settings of the embedded store.</summary>
public sealed record SqliteKeyspaceOptions
{
    /// <summary>The database file. Its directory is created if missing.</summary>
    public required string Path { get; init; }

    /// <summary>fsync policy; <see cref="SqliteDurability.Full"/> unless you know why not.</summary>
    public SqliteDurability Durability { get; init; } = SqliteDurability.Full;

    /// <summary>Most write requests committed together in one transaction (one fsync).</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>The clock for lease expiry and watch progress notifications (a fake one in tests). Lease expiry uses its
    /// monotonic timestamps (<see cref="TimeProvider.GetTimestamp"/>), never the wall clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often expired leases are looked for; a lease is revoked at most this long after it expires.</summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Progress notification interval of a watch that does not choose one.</summary>
    public TimeSpan DefaultProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events of the most recent revisions kept in memory for watchers; older ones are read from history.</summary>
    public int WatchCacheEvents { get; init; } = 65_536;

    /// <summary>Largest the write-ahead log may grow: past it the checkpointer copies it into the database and truncates
    /// it, holding writers back for that moment. Under steady writes a passive checkpoint never catches up, and the WAL
    /// would grow without bound (its pages are then on disk twice).</summary>
    public long MaxWalBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Read connections kept open for reuse.</summary>
    public int ReadPoolSize { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}

using Cairn.Core;
using Cairn.ZooKeeper;

namespace Cairn.Storage.ZooKeeper;

/// <summary>Settings of a <see cref="ZooKeeperKeyspace"/>.</summary>
public sealed record ZooKeeperKeyspaceOptions
{
    /// <summary>The ensemble: <c>host1:2181,host2:2181[/chroot]</c>. A chroot must exist.</summary>
    public required string ConnectString { get; init; }

    /// <summary>The znode under which the keyspace lives (made on first use); several keyspaces may share an ensemble
    /// under different roots. Default <c>/cairn</c>.</summary>
    public string Root { get; init; } = "/cairn";

    /// <summary>Digest credentials <c>user:password</c>; when set, the keyspace's znodes are made readable and writable by
    /// that user only, and a start-up that cannot read them with these credentials fails.</summary>
    public string? Digest { get; init; }

    /// <summary>TLS to the ensemble's secure client ports (the connect string names those ports); null for plain TCP.</summary>
    public ZooKeeperTlsOptions? Tls { get; init; }

    /// <summary>The ZooKeeper session timeout asked for (the ensemble bounds it by its tick time). Default 10 s.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one request may wait for ZooKeeper (through reconnects) before it fails as unavailable (503).
    /// Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long opening waits for the first session. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The store's clock (lease expiry).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Size limits.</summary>
    public KeyspaceLimits Limits { get; init; } = new();

    /// <summary>Entries between two snapshots (each lets the log before it be dropped). Default 10,000.</summary>
    public long SnapshotEvery { get; init; } = 10_000;

    /// <summary>The largest znode the keyspace writes; longer entries and snapshots are split into chunks of this size.
    /// Default 512 KiB, well under ZooKeeper's default 1 MB <c>jute.maxbuffer</c> for a whole request.</summary>
    public int ChunkBytes { get; init; } = 512 * 1024;
}

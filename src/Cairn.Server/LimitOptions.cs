namespace Cairn.Server;

/// <summary>Request limits; exceeding one is a 4xx problem, never a crash.</summary>
public sealed class LimitOptions
{
    /// <summary>Longest key, in UTF-8 bytes.</summary>
    public int MaxKeyBytes { get; set; } = 4096;

    /// <summary>Largest value, in bytes (1 MiB, as etcd and ZooKeeper). Large values belong in volumes.</summary>
    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most ops in one txn branch.</summary>
    public int MaxTxnOps { get; set; } = 128;

    /// <summary>Most bytes of data the store may hold before the "no space" alarm refuses writes that add data (507);
    /// 0 (default): no quota but the disk (<see cref="MinFreeBytes"/>). On etcd, etcd's own quota applies as well.</summary>
    public long QuotaBytes { get; set; }

    /// <summary>Free bytes kept on the embedded store's filesystem: below it the alarm is raised, so that deletes and
    /// compaction still have room. 0 (default): 5 % of the filesystem, between 4 MiB and 1 GiB.</summary>
    public long MinFreeBytes { get; set; }
}

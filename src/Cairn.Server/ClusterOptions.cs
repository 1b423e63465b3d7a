namespace Cairn.Server;

/// <summary>Settings of this node's membership in the cluster (<c>Cluster:*</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>TTL of the node's registration lease (<c>Cluster:NodeTtl</c>, a duration; default 10s): a node that dies
    /// leaves the node list and, if it led, the leadership after at most this long. It is renewed every TTL/3.</summary>
    public string? NodeTtl { get; set; }

    /// <summary>The old name of <see cref="NodeTtl"/>: a number of seconds. Still read when <see cref="NodeTtl"/> is not set.</summary>
    public string? NodeTtlSeconds { get; set; }

    /// <summary>Join the cluster (default true). False writes no <c>/cairn/</c> keys and runs no leader work: for tests
    /// that need a store exactly as empty as a fresh backend.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The node TTL in force, read from <see cref="NodeTtl"/> (or its old name) at start; not a setting itself.</summary>
    public TimeSpan Ttl { get; internal set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="Ttl"/> in whole seconds, as a lease takes it.</summary>
    public long TtlSeconds => Core.Durations.WholeSeconds(Ttl);
}

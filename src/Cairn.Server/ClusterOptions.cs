namespace Cairn.Server;

/// <summary>Settings of this node's membership in the cluster (<c>Cluster:*</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>TTL of the node's registration lease, in seconds (default 10): a node that dies leaves the node list
    /// and, if it led, the leadership after at most this long. It is renewed every TTL/3.</summary>
    public long NodeTtlSeconds { get; set; } = 10;

    /// <summary>Join the cluster (default true). False writes no <c>/cairn/</c> keys and runs no leader work: for tests
    /// that need a store exactly as empty as a fresh backend.</summary>
    public bool Enabled { get; set; } = true;
}

namespace Cairn.Coordination;

/// <summary>Where the cluster keeps its own state in the keyspace.</summary>
public static class ClusterKeys
{
    /// <summary>The prefix of node registrations: <c>/cairn/nodes/&lt;nodeId&gt;</c>.</summary>
    public const string NodesPrefix = "/cairn/nodes/";

    /// <summary>The leader key: its value is the leader's node id, on the leader's node lease.</summary>
    public const string Leader = "/cairn/leader";
}

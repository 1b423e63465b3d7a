namespace Cairn.ZooKeeper;

/// <summary>What kind of znode a create makes; the values are the protocol's create flags.</summary>
public enum CreateMode
{
    /// <summary>Stays until deleted.</summary>
    Persistent = 0,

    /// <summary>Deleted when the session that created it ends; cannot have children.</summary>
    Ephemeral = 1,

    /// <summary>Persistent, with a 10-digit increasing counter of the parent appended to the name.</summary>
    PersistentSequential = 2,

    /// <summary>Ephemeral, with a 10-digit increasing counter of the parent appended to the name.</summary>
    EphemeralSequential = 3,

    /// <summary>Deleted by the server (at its container check interval) once it has had children and has none left.</summary>
    Container = 4,

    /// <summary>Persistent, deleted by the server once unchanged and childless for the create's TTL (needs <c>extendedTypesEnabled</c>).</summary>
    PersistentWithTtl = 5,

    /// <summary>As <see cref="PersistentWithTtl"/>, with a sequential suffix.</summary>
    PersistentSequentialWithTtl = 6,
}

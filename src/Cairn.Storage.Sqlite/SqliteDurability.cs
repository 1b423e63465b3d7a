namespace Cairn.Storage.Sqlite;

/// <summary>How hard the store works to keep acknowledged writes across a power loss.</summary>
public enum SqliteDurability
{
    /// <summary>fsync the WAL on every commit (group commit shares one fsync among the writes of a batch). The default.</summary>
    Full,

    /// <summary>No fsync at commit: survives a process crash (kill -9), not a power loss. For benchmarks' non-durable tier and tests.</summary>
    None,
}

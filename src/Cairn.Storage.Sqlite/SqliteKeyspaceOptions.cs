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

    /// <summary>Read connections kept open for reuse.</summary>
    public int ReadPoolSize { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}

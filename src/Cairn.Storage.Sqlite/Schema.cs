namespace Cairn.Storage.Sqlite;

/// <summary>
/// The on-disk layout. <c>kv</c> holds the live keys (fast current reads); <c>history</c> holds every change since the
/// compaction point, one row per key per revision (version 0 marks a delete), for reads at a past revision and for
/// watches. <c>leases</c> holds each live lease's TTL (its expiry time is kept in memory: a restart renews every lease
/// to its full TTL). <c>meta</c> holds the store revision and compaction point, updated in the same transaction as the data,
/// the schema version (read at open: see <see cref="SchemaMigrations"/>) and the Cairn version that last opened the store.
/// A change here is a new <see cref="Version"/> with its step in <see cref="SchemaMigrations"/>.
/// </summary>
internal static class Schema
{
    public const int Version = 2;

    /// <summary>A new store: version 1's DDL and every step after it, so that a new store and a migrated one have the
    /// same layout by construction (the current layout is written down once, as history plus steps).</summary>
    public static string Create { get; } =
        SchemaMigrations.V1Create
        + string.Concat(SchemaMigrations.Steps.Where(step => step.To <= Version).Select(step => step.Sql))
        + $"UPDATE meta SET schema_version = {Version} WHERE id = 1;";
}

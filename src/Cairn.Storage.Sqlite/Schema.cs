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

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            compact_revision INTEGER NOT NULL,
            cairn_version TEXT NOT NULL DEFAULT ''
        );
        INSERT OR IGNORE INTO meta (id, schema_version, revision, compact_revision) VALUES (1, 2, 1, 0);
        CREATE TABLE IF NOT EXISTS kv (
            key BLOB NOT NULL PRIMARY KEY,
            value BLOB NOT NULL,
            create_rev INTEGER NOT NULL,
            mod_rev INTEGER NOT NULL,
            version INTEGER NOT NULL,
            lease INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS history (
            rev INTEGER NOT NULL,
            sub INTEGER NOT NULL,
            key BLOB NOT NULL,
            value BLOB,
            create_rev INTEGER NOT NULL,
            version INTEGER NOT NULL,
            lease INTEGER NOT NULL,
            PRIMARY KEY (rev, sub)
        );
        CREATE INDEX IF NOT EXISTS history_by_key ON history (key, rev);
        CREATE TABLE IF NOT EXISTS leases (
            id INTEGER PRIMARY KEY,
            ttl INTEGER NOT NULL,
            granted_rev INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0;
        """;
}

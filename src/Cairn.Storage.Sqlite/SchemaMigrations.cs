namespace Cairn.Storage.Sqlite;

/// <summary>
/// How a store written by an older Cairn reaches <see cref="Schema.Version"/>: one step per version, each run in one
/// transaction that also sets <c>meta.schema_version</c> to the step's target, so a crash between steps leaves a store
/// at a version that the next open continues from. The DDL of the past versions is kept here as history (tests build
/// old stores from it).
/// </summary>
internal static class SchemaMigrations
{
    /// <summary>Version 1's DDL, exactly as Cairn wrote it until version 2.</summary>
    public const string V1Create = """
        CREATE TABLE IF NOT EXISTS meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            compact_revision INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO meta (id, schema_version, revision, compact_revision) VALUES (1, 1, 1, 0);
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

    /// <summary>The steps, in order: step <c>i</c> takes a store from version <c>i + 1</c> to <c>i + 2</c>.</summary>
    public static IReadOnlyList<SchemaStep> Steps { get; } =
    [
        // 1 → 2: which Cairn last opened the store, so that a store an operator finds says what wrote it.
        new(2, "record the Cairn version that last opened the store (meta.cairn_version)", "ALTER TABLE meta ADD COLUMN cairn_version TEXT NOT NULL DEFAULT '';"),
    ];
}

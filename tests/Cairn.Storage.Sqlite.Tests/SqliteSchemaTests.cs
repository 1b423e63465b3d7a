using System.Text;
using Cairn.Core;
using Microsoft.Data.Sqlite;

namespace Cairn.Storage.Sqlite.Tests;

/// <summary>The schema upgrade path: an older store is backed up and migrated at open, a newer one is refused.</summary>
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("cairn.db");

    public void Dispose() => _directory.Dispose();

    private static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // A store as Cairn wrote it at schema version 1: key a put at 2 and 4, b at 3, revision 4.
    private void CreateVersion1Store()
    {
        Execute(DatabasePath, SchemaMigrations.V1Create + """
            INSERT INTO kv VALUES (CAST('a' AS BLOB), CAST('a2' AS BLOB), 2, 4, 2, 0);
            INSERT INTO kv VALUES (CAST('b' AS BLOB), CAST('b1' AS BLOB), 3, 3, 1, 0);
            INSERT INTO history VALUES (2, 0, CAST('a' AS BLOB), CAST('a1' AS BLOB), 2, 1, 0);
            INSERT INTO history VALUES (3, 0, CAST('b' AS BLOB), CAST('b1' AS BLOB), 3, 1, 0);
            INSERT INTO history VALUES (4, 0, CAST('a' AS BLOB), CAST('a2' AS BLOB), 2, 2, 0);
            UPDATE meta SET revision = 4;
            """);
    }

    [Fact]
    public async Task OpeningAVersion1Store_BacksItUp_MigratesIt_AndKeepsItsData()
    {
        CreateVersion1Store();

        await using (var store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = DatabasePath }))
        {
            var range = await store.RangeAsync(new RangeRequest(KeyRange.All));
            Assert.Equal(4, range.Revision);
            Assert.Equal([("a", "a2", 2L, 4L, 2L), ("b", "b1", 3L, 3L, 1L)], range.Kvs.Select(kv => (kv.Key, Encoding.UTF8.GetString(kv.Value.Span), kv.CreateRevision, kv.ModRevision, kv.Version)));
            var past = await store.RangeAsync(new RangeRequest(KeyRange.Single("a")) { Revision = 2 });
            Assert.Equal("a1", Encoding.UTF8.GetString(Assert.Single(past.Kvs).Value.Span));
            Assert.Equal(5, (await store.PutAsync(new PutRequest("c", "c"u8.ToArray()))).Revision);
        }

        Assert.Equal(2L, Scalar(DatabasePath, "SELECT schema_version FROM meta"));
        Assert.False(string.IsNullOrEmpty((string?)Scalar(DatabasePath, "SELECT cairn_version FROM meta")));
        var backup = Assert.Single(Directory.GetFiles(_directory.Path, "cairn.db.v1-backup-*"));
        Assert.Equal(1L, Scalar(backup, "SELECT schema_version FROM meta"));
        Assert.Equal(2L, Scalar(backup, "SELECT count(*) FROM kv"));

        // Opened again, the store is current: no second backup.
        await (await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = DatabasePath })).DisposeAsync();
        Assert.Single(Directory.GetFiles(_directory.Path, "cairn.db.v1-backup-*"));
    }

    [Fact]
    public async Task OpeningAStoreOfANewerSchema_IsRefusedWithOneLine_AndChangesNothing()
    {
        await (await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = DatabasePath })).DisposeAsync();
        Execute(DatabasePath, "UPDATE meta SET schema_version = 99, cairn_version = 'future'");

        var error = await Assert.ThrowsAsync<UnavailableException>(() => SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = DatabasePath }));

        Assert.Equal($"data dir {_directory.Path} has schema version 99; this cairn knows up to {SqliteKeyspace.SchemaVersion}; use a newer cairn", error.Message);
        Assert.Equal("future", Scalar(DatabasePath, "SELECT cairn_version FROM meta"));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*backup*"));
    }
}

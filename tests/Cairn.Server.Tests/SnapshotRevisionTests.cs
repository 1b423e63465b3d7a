using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cairn.Client;
using Cairn.Core;
using Cairn.Server.Snapshots;
using Cairn.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cairn.Server.Tests;

/// <summary>A restore keeps revisions (ETags from before the backup still match, the store goes on from the snapshot's
/// revision), an old snapshot still restores, and a data dir from a newer Cairn is refused at start.</summary>
public sealed class SnapshotRevisionTests : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-snaprev-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_scratch, recursive: true);
        return Task.CompletedTask;
    }

    private static Task<CairnServer> StartAsync(string dataDir, string backend = "sqlite") => CairnServer.StartAsync([], new Dictionary<string, string?>
    {
        ["Backend"] = backend,
        ["DataDir"] = dataDir,
        ["Durability"] = "None",
        ["Listen:0"] = "unix:" + Path.Combine(dataDir, "c.sock"),
        ["Logging:LogLevel:Default"] = "Warning",
    });

    private static CairnClient Client(string dataDir) => new(new HttpClient(new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(Path.Combine(dataDir, "c.sock")) }) { BaseAddress = new Uri("http://localhost") });

    // What a client sees of a key over GET /v1/kv/KEY: its ETag, revisions and value (the lease id is new after a restore).
    private static async Task<(string? ETag, string Create, string Mod, string Version, string Value)> SeeAsync(string dataDir, string key, long revision = 0)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(Path.Combine(dataDir, "c.sock")) }) { BaseAddress = new Uri("http://localhost") };
        using var response = await http.GetAsync("/v1/kv/" + key + (revision > 0 ? "?revision=" + revision.ToString(CultureInfo.InvariantCulture) : ""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {key}: {(int)response.StatusCode} {body}");
        string Header(string name) => string.Join(",", response.Headers.GetValues(name));
        return (response.Headers.ETag?.Tag, Header("Cairn-Create-Revision"), Header("Cairn-Mod-Revision"), Header("Cairn-Version"), body);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("log")]
    public async Task Restore_KeepsEveryKeysETagAndRevisions_AndTheNextWriteIsAboveTheSnapshot(string backend)
    {
        var source = Path.Combine(_scratch, "source");
        var keys = new[] { "app/a", "app/b", "app/c", "app/d", "app/leased" };
        var before = new Dictionary<string, (string? ETag, string Create, string Mod, string Version, string Value)>();
        var file = Path.Combine(_scratch, "snap.tar");
        await using (var server = await StartAsync(source, backend))
        {
            using var client = Client(source);
            await client.PutAsync("app/a", "1");
            await client.PutAsync("app/b", "1");
            await client.PutAsync("app/a", "2");
            await client.TxnAsync(new TxnRequest([], [new PutRequest("app/c", "c"u8.ToArray()), new PutRequest("app/d", "d"u8.ToArray())], []));
            var lease = await client.GrantLeaseAsync(3600);
            await client.PutAsync("app/leased", "l", new PutOptions { Lease = lease.Id });
            await client.PutAsync("app/a", "3");
            await client.PutAsync("app/gone", "x");

            // The last change before the snapshot is a delete: no key left carries the snapshot's revision.
            await client.DeleteAsync(new DeleteRequest(KeyRange.Single("app/gone")));
            foreach (var key in keys)
            {
                before[key] = await SeeAsync(source, key);
            }

            await using var stream = File.Create(file);
            await client.SaveSnapshotAsync(stream);
        }

        var target = Path.Combine(_scratch, "restored");
        var result = await SnapshotRestore.RestoreAsync(file, target, backend);

        Assert.Null(result.Warning);
        await using (var server = await StartAsync(target, backend))
        {
            using var client = Client(target);
            foreach (var key in keys)
            {
                Assert.Equal(before[key], await SeeAsync(target, key));
            }

            Assert.Null(await client.GetAsync("app/gone"));
            Assert.NotEqual(0, (await client.GetAsync("app/leased"))!.Lease);
            var next = await client.PutAsync("app/a", "4");
            Assert.True(next.Revision > result.Revision, $"the first write after the restore got revision {next.Revision}, not above the snapshot's {result.Revision}");

            // The state at the snapshot's revision stays readable after later writes; history before it is gone.
            Assert.Equal(before["app/a"], await SeeAsync(target, "app/a", result.Revision));
            await Assert.ThrowsAsync<CompactedException>(() => client.GetAsync("app/a", result.Revision - 1));
        }
    }

    [Fact]
    public async Task AFormat1Snapshot_IsRestoredRenumbered_WithAWarning()
    {
        var file = Path.Combine(_scratch, "v1.tar");
        var manifest = """{"format":1,"created":"2024-01-01T00:00:00+00:00","node":"n1","backend":"sqlite","revision":40,"keys":2,"files":0}"""u8.ToArray();
        var lines = "{\"k\":\"old/a\",\"v\":\"YQ==\"}\n{\"k\":\"old/b\",\"v\":\"Yg==\"}\n"u8.ToArray();
        var sums = new StringBuilder();
        await using (var stream = File.Create(file))
        await using (var tar = new TarWriter(stream, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in new[] { ("snapshot.json", manifest), ("keyspace.jsonl", lines) })
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
                sums.Append(Convert.ToHexStringLower(SHA256.HashData(content))).Append("  ").Append(name).Append('\n');
            }

            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "SHA256SUMS") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(sums.ToString())) });
        }

        var target = Path.Combine(_scratch, "restored-v1");
        var result = await SnapshotRestore.RestoreAsync(file, target);

        Assert.Contains("format 1", result.Warning);
        Assert.Contains("ETags", result.Warning);
        await using var server = await StartAsync(target);
        using var client = Client(target);
        var a = (await client.GetAsync("old/a"))!;
        Assert.Equal("a"u8.ToArray(), a.Value.ToArray());
        Assert.True(a.ModRevision < 40, $"a format 1 key is renumbered from 2; got mod revision {a.ModRevision}");
    }

    [Fact]
    public async Task AServerOnADataDirFromANewerCairn_RefusesToStart_WithOneLine()
    {
        var dataDir = Path.Combine(_scratch, "newer");
        var database = Path.Combine(dataDir, "cairn.db");
        await (await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = database })).DisposeAsync();
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET schema_version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(dataDir));

        Assert.Equal($"data dir {dataDir} has schema version 99; this cairn knows up to {SqliteKeyspace.SchemaVersion}; use a newer cairn", error.Message);
    }
}

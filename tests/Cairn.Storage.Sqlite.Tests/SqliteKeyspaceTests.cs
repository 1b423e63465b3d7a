using System.Globalization;
using System.Text;
using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Storage.Sqlite.Tests;

/// <summary>What only the embedded store promises: durability across reopen, group commit, and its open errors.</summary>
public sealed class SqliteKeyspaceTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("cairn.db");

    private Task<SqliteKeyspace> OpenAsync(string? path = null) =>
        SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = path ?? DatabasePath });

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    private static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reopen_KeepsKeysMetadataAndRevision()
    {
        long revision;
        await using (var store = await OpenAsync())
        {
            await store.PutAsync(Put("a", "1"));
            await store.PutAsync(Put("a", "2"));
            await store.PutAsync(Put("b", "1"));
            await store.DeleteAsync(new DeleteRequest(KeyRange.Single("b")));
            revision = (await store.StatusAsync()).Revision;
        }

        await using (var reopened = await OpenAsync())
        {
            var status = await reopened.StatusAsync();
            var kv = Assert.Single((await reopened.RangeAsync(new RangeRequest(KeyRange.All))).Kvs);

            Assert.Equal(revision, status.Revision);
            Assert.Equal(1, status.KeyCount);
            Assert.Equal(("a", "2", 2L), (kv.Key, Text(kv.Value), kv.Version));
            Assert.Equal(revision + 1, (await reopened.PutAsync(Put("c", "1"))).Revision);
        }
    }

    [Fact]
    public async Task Reopen_KeepsHistory_ForReadsAtPastRevisions()
    {
        long first;
        long deletedAt;
        await using (var store = await OpenAsync())
        {
            first = (await store.PutAsync(Put("a", "1"))).Revision;
            await store.PutAsync(Put("a", "2"));
            deletedAt = (await store.DeleteAsync(new DeleteRequest(KeyRange.Single("a")))).Revision;
        }

        await using var reopened = await OpenAsync();

        var atFirst = await reopened.RangeAsync(new RangeRequest(KeyRange.Single("a")) { Revision = first });
        var atDelete = await reopened.RangeAsync(new RangeRequest(KeyRange.Single("a")) { Revision = deletedAt });
        Assert.Equal("1", Text(Assert.Single(atFirst.Kvs).Value));
        Assert.Empty(atDelete.Kvs);
    }

    [Fact]
    public async Task Reopen_KeepsTheCompactionPoint()
    {
        long point;
        await using (var store = await OpenAsync())
        {
            await store.PutAsync(Put("a", "1"));
            point = (await store.PutAsync(Put("a", "2"))).Revision;
            await store.PutAsync(Put("a", "3"));
            await store.CompactAsync(point);
        }

        await using var reopened = await OpenAsync();

        Assert.Equal(point, (await reopened.StatusAsync()).CompactRevision);
        var error = await Assert.ThrowsAsync<CompactedException>(() => reopened.RangeAsync(new RangeRequest(KeyRange.All) { Revision = point - 1 }).AsTask());
        Assert.Equal(point, error.CompactRevision);
        var atPoint = await reopened.RangeAsync(new RangeRequest(KeyRange.All) { Revision = point });
        Assert.Equal("2", Text(Assert.Single(atPoint.Kvs).Value));
    }

    [Fact]
    public async Task GroupCommit_CompletesManyConcurrentWrites_AndAllAreDurableAfterReopen()
    {
        const int Count = 500;
        long[] revisions;
        await using (var store = await OpenAsync())
        {
            var writes = Enumerable.Range(0, Count).Select(i => Task.Run(async () =>
                i % 5 == 0
                    ? (await store.TxnAsync(new TxnRequest([], [Put($"g/{i:D4}", "txn")], []))).Revision
                    : (await store.PutAsync(Put($"g/{i:D4}", "put"))).Revision));
            revisions = await Task.WhenAll(writes);
        }

        await using var reopened = await OpenAsync();

        var all = await reopened.RangeAsync(new RangeRequest(KeyRange.Prefix("g/")));
        Assert.Equal(Count, all.Count);
        Assert.Equal(Enumerable.Range(2, Count).Select(i => (long)i), revisions.Order());
        Assert.Equal(Count + 1, (await reopened.StatusAsync()).Revision);
        Assert.Equal(
            Enumerable.Range(0, Count).Select(i => $"g/{i:D4}={(i % 5 == 0 ? "txn" : "put")}"),
            all.Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
    }

    [Fact]
    public async Task GroupCommit_AFailingWriteInABatch_DoesNotFailTheOthers()
    {
        await using var store = await OpenAsync();

        var writes = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            if (i % 10 == 0)
            {
                // Invalid after queueing: a read of a future revision fails inside the writer.
                var bad = new TxnRequest([], [Put($"bad/{i}", "x"), new RangeRequest(KeyRange.All) { Revision = long.MaxValue }], []);
                await Assert.ThrowsAsync<FutureRevisionException>(() => store.TxnAsync(bad).AsTask());
                return 0;
            }

            return (await store.PutAsync(Put($"good/{i:D3}", "x"))).Revision;
        }));
        var revisions = (await Task.WhenAll(writes)).Where(r => r != 0).ToList();

        Assert.Equal(90, (await store.RangeAsync(new RangeRequest(KeyRange.Prefix("good/")) { CountOnly = true })).Count);
        Assert.Empty((await store.RangeAsync(new RangeRequest(KeyRange.Prefix("bad/")))).Kvs);
        Assert.Equal(Enumerable.Range(2, 90).Select(i => (long)i), revisions.Order());
    }

    [Fact]
    public async Task Open_ThrowsUnavailable_WhenThePathIsUnderARegularFile()
    {
        var file = _directory.File("not-a-directory");
        await File.WriteAllTextAsync(file, "plain file");

        var error = await Assert.ThrowsAsync<UnavailableException>(() => OpenAsync(Path.Combine(file, "sub", "cairn.db")));

        Assert.Contains("not-a-directory", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Open_ThrowsUnavailable_WhenTheFileIsNotADatabase()
    {
        await File.WriteAllTextAsync(DatabasePath, new string('x', 8192));

        await Assert.ThrowsAsync<UnavailableException>(() => OpenAsync());
    }

    [Fact]
    public async Task Open_CreatesMissingParentDirectories()
    {
        var nested = Path.Combine(_directory.Path, "a", "b", "cairn.db");

        await using var store = await OpenAsync(nested);
        await store.PutAsync(Put("k", "v"));

        Assert.True(File.Exists(nested));
    }

    [Fact]
    public async Task Status_ReportsTheSqliteBackend_AndItsSizeOnDisk()
    {
        await using var store = await OpenAsync();
        await store.PutAsync(Put("k", new string('v', 10_000)));

        var status = await store.StatusAsync();

        Assert.Equal(SqliteKeyspace.BackendName, status.Backend);
        Assert.True(status.SizeBytes > 10_000, $"Size on disk was {status.SizeBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
    }

    [Fact]
    public async Task Requests_ThrowUnavailable_AfterDispose()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<UnavailableException>(() => store.PutAsync(Put("k", "v")).AsTask());
        await Assert.ThrowsAsync<UnavailableException>(() => store.RangeAsync(new RangeRequest(KeyRange.All)).AsTask());
    }

    [Fact]
    public async Task Watch_EndsWithUnavailable_WhenTheStoreIsDisposedUnderIt()
    {
        var store = await OpenAsync();
        await store.PutAsync(Put("k", "1"));
        await using var watch = new WatchCursor(store, new WatchRequest(KeyRange.Single("k")) { StartRevision = 2 });
        Assert.Single((await watch.NextEventsAsync()).Events);
        var waiting = watch.NextAsync();

        await store.DisposeAsync();

        await Assert.ThrowsAsync<UnavailableException>(() => waiting);
    }
}

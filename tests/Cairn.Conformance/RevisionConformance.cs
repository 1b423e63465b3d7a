using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Which requests take a revision, and reads at past revisions.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class RevisionConformance(Backend backend) : KeyspaceConformance(backend)
{
    [Fact]
    public async Task Status_ReportsRevisionOne_WhenTheStoreIsNew()
    {
        // The store under test is empty but may not be new (one etcd shared by the assembly): a brand-new one of its own.
        await using var store = await Backend.OpenNewAsync(Directory.CreateDirectory(Path.Combine(Scratch, "new")).FullName);

        var status = await store.StatusAsync();

        Assert.Equal(1, status.Revision);
        Assert.Equal(0, status.KeyCount);
        Assert.Equal(0, status.CompactRevision);
        Assert.Equal(1, (await store.RangeAsync(new RangeRequest(KeyRange.All))).Revision);
    }

    [Fact]
    public async Task EachPut_GetsTheNextRevision()
    {
        var revisions = new List<long>();
        foreach (var key in new[] { "a", "b", "a", "c" })
        {
            revisions.Add((await PutAsync(key, "x")).Revision);
        }

        Assert.Equal([StartRevision + 1, StartRevision + 2, StartRevision + 3, StartRevision + 4], revisions);
        Assert.Equal(StartRevision + 4, await RevisionAsync());
    }

    [Fact]
    public async Task ReadOnlyTxn_DoesNotBumpTheRevision()
    {
        await PutAsync("a", "x");
        var before = await RevisionAsync();

        var txn = await TxnAsync([Compare.Version("a", CompareResult.Equal, 1)], [Get("a")], [Get("b")]);

        Assert.Equal(before, txn.Revision);
        Assert.Equal(before, await RevisionAsync());
    }

    [Fact]
    public async Task Txn_DoesNotBumpTheRevision_WhenTheBranchThatRanOnlyReads()
    {
        await PutAsync("a", "x");
        var before = await RevisionAsync();

        var txn = await TxnAsync([Compare.Version("a", CompareResult.Equal, 1)], [Get("a")], [Put("b", "y")]);

        Assert.True(txn.Succeeded);
        Assert.Equal(before, txn.Revision);
        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("b"));
    }

    [Fact]
    public async Task Txn_DoesNotBumpTheRevision_WhenItsOnlyWriteDeletesNothing()
    {
        await PutAsync("a", "x");
        var before = await RevisionAsync();

        var txn = await TxnAsync([], [new DeleteRequest(KeyRange.Single("missing"))]);

        Assert.Equal(before, txn.Revision);
        Assert.Equal(before, await RevisionAsync());
    }

    [Fact]
    public async Task Range_AtRevisionZero_ReadsTheLatest()
    {
        await PutAsync("a", "1");
        await PutAsync("a", "2");

        var kv = await GetAsync("a", revision: 0);

        Assert.Equal("2", Text(kv!.Value));
    }

    [Fact]
    public async Task Range_AtANegativeRevision_ThrowsInvalidArgument()
    {
        await PutAsync("a", "1");

        await Assert.ThrowsAsync<InvalidArgumentException>(() => RangeAsync(KeyRange.Single("a"), revision: -1));
    }

    [Fact]
    public async Task Range_AboveTheCurrentRevision_ThrowsFutureRevision()
    {
        await PutAsync("a", "1");
        var current = await RevisionAsync();

        await Assert.ThrowsAsync<FutureRevisionException>(() => RangeAsync(KeyRange.Single("a"), revision: current + 1));
        await Assert.ThrowsAsync<FutureRevisionException>(() => RangeAsync(KeyRange.All, revision: long.MaxValue));
    }

    [Fact]
    public async Task Range_AtTheCurrentRevision_ReadsTheLatest()
    {
        await PutAsync("a", "1");
        var put = await PutAsync("a", "2");

        Assert.Equal("2", Text((await GetAsync("a", put.Revision))!.Value));
    }

    [Fact]
    public async Task Range_AtAPastRevision_ReturnsTheValueAndMetadataAsTheyWere()
    {
        var first = await PutAsync("a", "1");
        var second = await PutAsync("a", "2");
        await PutAsync("a", "3");

        var atFirst = await GetAsync("a", first.Revision);
        var atSecond = await GetAsync("a", second.Revision);

        Assert.Equal(("1", 1L, first.Revision, first.Revision), (Text(atFirst!.Value), atFirst.Version, atFirst.CreateRevision, atFirst.ModRevision));
        Assert.Equal(("2", 2L, first.Revision, second.Revision), (Text(atSecond!.Value), atSecond.Version, atSecond.CreateRevision, atSecond.ModRevision));
    }

    [Fact]
    public async Task Range_AtAPastRevision_ReturnsKeysDeletedSince()
    {
        var put = await PutAsync("a", "1");
        await DeleteAsync(KeyRange.Single("a"));

        var kv = await GetAsync("a", put.Revision);

        Assert.NotNull(kv);
        Assert.Equal("1", Text(kv.Value));
        Assert.Null(await GetAsync("a"));
    }

    [Fact]
    public async Task Range_AtAPastRevision_OmitsKeysCreatedLater()
    {
        var put = await PutAsync("a", "1");
        await PutAsync("b", "2");

        Assert.Equal(["a"], await KeysAsync(KeyRange.All, put.Revision));
        Assert.Null(await GetAsync("b", put.Revision));
    }

    [Fact]
    public async Task Range_AtAPastRevision_OmitsKeysThatWereDeletedThen()
    {
        await PutAsync("a", "1");
        var deleted = await DeleteAsync(KeyRange.Single("a"));
        var recreated = await PutAsync("a", "2");

        Assert.Null(await GetAsync("a", deleted.Revision));
        var now = await GetAsync("a", recreated.Revision);
        Assert.Equal(("2", 1L, recreated.Revision), (Text(now!.Value), now.Version, now.CreateRevision));
    }

    [Fact]
    public async Task Range_AtAPastRevision_ReportsTheCurrentStoreRevision()
    {
        var put = await PutAsync("a", "1");
        await PutAsync("a", "2");

        var result = await RangeAsync(KeyRange.Single("a"), put.Revision);

        Assert.Equal(await RevisionAsync(), result.Revision);
    }

    [Fact]
    public async Task Range_AtAPastRevision_AppliesPrefixOrderLimitAndCountAsOfThatRevision()
    {
        await PutAsync("p/c", "1");
        await PutAsync("p/é", "1");
        await PutAsync("p/a", "1");
        var past = await PutAsync("q", "1");
        await PutAsync("p/b", "2");
        await DeleteAsync(KeyRange.Single("p/a"));

        var limited = await RangeAsync(KeyRange.Prefix("p/"), past.Revision, limit: 2);
        var all = await KeysAsync(KeyRange.Prefix("p/"), past.Revision);

        Assert.Equal(["p/a", "p/c", "p/é"], all);
        Assert.Equal(["p/a", "p/c"], limited.Kvs.Select(kv => kv.Key));
        Assert.True(limited.More);
        Assert.Equal(3, limited.Count);
    }

    [Fact]
    public async Task Range_AtAPastRevision_HonoursKeysOnlyAndCountOnly()
    {
        var put = await PutAsync("k/1", "old");
        await PutAsync("k/1", "new");
        await PutAsync("k/2", "new");

        var keysOnly = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { Revision = put.Revision, KeysOnly = true });
        var countOnly = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { Revision = put.Revision, CountOnly = true });

        var kv = Assert.Single(keysOnly.Kvs);
        Assert.Equal(("k/1", 1L), (kv.Key, kv.Version));
        Assert.True(kv.Value.IsEmpty);
        Assert.Empty(countOnly.Kvs);
        Assert.Equal(1, countOnly.Count);
    }

    [Fact]
    public async Task Range_AtEveryPastRevision_SeesExactlyTheWritesUpToIt()
    {
        // A short history replayed at each revision against an in-memory model of the store.
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var snapshots = new List<(long Revision, string[] State)>();
        var steps = new (string Key, string? Value)[] { ("a", "1"), ("b", "1"), ("a", "2"), ("b", null), ("c", "1"), ("b", "2"), ("a", null) };
        foreach (var (key, value) in steps)
        {
            long revision;
            if (value is null)
            {
                revision = (await DeleteAsync(KeyRange.Single(key))).Revision;
                model.Remove(key);
            }
            else
            {
                revision = (await PutAsync(key, value)).Revision;
                model[key] = value;
            }

            snapshots.Add((revision, model.Select(p => p.Key + "=" + p.Value).ToArray()));
        }

        foreach (var (revision, state) in snapshots)
        {
            var result = await RangeAsync(KeyRange.All, revision);
            Assert.Equal(state, result.Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
        }
    }
}

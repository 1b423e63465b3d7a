using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Compaction: the errors it promises, and that reads at and after the compaction point stay correct.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class CompactionConformance(Backend backend) : KeyspaceConformance(backend)
{
    private static string Dump(RangeResult result) => string.Join(",", result.Kvs.Select(kv => $"{kv.Key}={Text(kv.Value)}@{kv.Version}/{kv.CreateRevision}/{kv.ModRevision}"));

    [Fact]
    public async Task Range_BelowTheCompactionPoint_ThrowsCompacted_CarryingTheCompactRevision()
    {
        var first = await PutAsync("a", "1");
        await PutAsync("a", "2");
        var point = (await PutAsync("a", "3")).Revision;

        await Store.CompactAsync(point);

        var error = await Assert.ThrowsAsync<CompactedException>(() => RangeAsync(KeyRange.Single("a"), first.Revision));
        Assert.Equal(point, error.CompactRevision);
        var justBelow = await Assert.ThrowsAsync<CompactedException>(() => RangeAsync(KeyRange.All, point - 1));
        Assert.Equal(point, justBelow.CompactRevision);
    }

    [Fact]
    public async Task Range_AtTheCompactionPoint_ReturnsTheStateAsOfThatRevision()
    {
        var overwrittenFirst = await PutAsync("overwritten", "1");
        var overwrittenLast = await PutAsync("overwritten", "2");
        await PutAsync("deleted-before", "x");
        await DeleteAsync(KeyRange.Single("deleted-before"));
        await PutAsync("deleted-after", "x");
        var untouched = await PutAsync("untouched", "u");
        await PutAsync("deleted-at", "x");
        var point = (await DeleteAsync(KeyRange.Single("deleted-at"))).Revision;
        var expected = Dump(await RangeAsync(KeyRange.All, point));
        await PutAsync("created-after", "x");
        await PutAsync("overwritten", "3");
        await DeleteAsync(KeyRange.Single("deleted-after"));

        await Store.CompactAsync(point);

        var atPoint = await RangeAsync(KeyRange.All, point);
        Assert.Equal(expected, Dump(atPoint));
        Assert.Equal(["deleted-after", "overwritten", "untouched"], atPoint.Kvs.Select(kv => kv.Key));
        var overwritten = atPoint.Kvs[1];
        Assert.Equal(("2", 2L, overwrittenFirst.Revision, overwrittenLast.Revision), (Text(overwritten.Value), overwritten.Version, overwritten.CreateRevision, overwritten.ModRevision));
        Assert.Equal(untouched.Revision, atPoint.Kvs[2].ModRevision);
    }

    [Fact]
    public async Task Range_AfterTheCompactionPoint_StillSeesEveryLaterRevision()
    {
        await PutAsync("a", "1");
        var point = (await PutAsync("b", "1")).Revision;
        var afterPut = await PutAsync("a", "2");
        var afterDelete = await DeleteAsync(KeyRange.Single("b"));
        var expectedAfterPut = Dump(await RangeAsync(KeyRange.All, afterPut.Revision));
        var expectedLatest = Dump(await RangeAsync(KeyRange.All));

        await Store.CompactAsync(point);

        Assert.Equal(expectedAfterPut, Dump(await RangeAsync(KeyRange.All, afterPut.Revision)));
        Assert.Equal(expectedLatest, Dump(await RangeAsync(KeyRange.All, afterDelete.Revision)));
        Assert.Equal(expectedLatest, Dump(await RangeAsync(KeyRange.All)));
    }

    [Fact]
    public async Task Compact_KeepsLiveKeysAndTheirMetadata()
    {
        var created = await PutAsync("a", "1");
        await PutAsync("a", "2");
        await PutAsync("gone", "x");
        await DeleteAsync(KeyRange.Single("gone"));
        var expected = Dump(await RangeAsync(KeyRange.All));

        await Store.CompactAsync(await RevisionAsync());

        Assert.Equal(expected, Dump(await RangeAsync(KeyRange.All)));
        var put = await PutAsync("a", "3");
        var a = (await GetAsync("a"))!;
        Assert.Equal((3L, created.Revision, put.Revision), (a.Version, a.CreateRevision, a.ModRevision));
    }

    [Fact]
    public async Task Compact_DoesNotChangeTheRevision_AndIsReportedInStatus()
    {
        await PutAsync("a", "1");
        var point = (await PutAsync("a", "2")).Revision;
        await PutAsync("a", "3");
        var before = await RevisionAsync();

        var result = await Store.CompactAsync(point);

        Assert.Equal(point, result.CompactRevision);
        Assert.Equal(before, result.Revision);
        var status = await Store.StatusAsync();
        Assert.Equal(before, status.Revision);
        Assert.Equal(point, status.CompactRevision);
    }

    [Fact]
    public async Task Compact_AtTheCurrentRevision_Works_AndWritesContinueAfterIt()
    {
        await PutAsync("a", "1");
        var current = await RevisionAsync();

        await Store.CompactAsync(current);
        var put = await PutAsync("a", "2");

        Assert.Equal(current + 1, put.Revision);
        Assert.Equal("1", Text((await GetAsync("a", current))!.Value));
        Assert.Equal("2", Text((await GetAsync("a"))!.Value));
    }

    [Fact]
    public async Task Compact_ThrowsCompacted_WhenAtOrBelowTheCompactionPoint()
    {
        await PutAsync("a", "1");
        await PutAsync("a", "2");
        var point = (await PutAsync("a", "3")).Revision;
        await Store.CompactAsync(point);

        var same = await Assert.ThrowsAsync<CompactedException>(() => Store.CompactAsync(point).AsTask());
        var lower = await Assert.ThrowsAsync<CompactedException>(() => Store.CompactAsync(point - 1).AsTask());

        Assert.Equal(point, same.CompactRevision);
        Assert.Equal(point, lower.CompactRevision);
        Assert.Equal(point, (await Store.StatusAsync()).CompactRevision);
    }

    [Fact]
    public async Task Compact_ThrowsFutureRevision_WhenAboveTheCurrentRevision()
    {
        await PutAsync("a", "1");
        var current = await RevisionAsync();

        await Assert.ThrowsAsync<FutureRevisionException>(() => Store.CompactAsync(current + 1).AsTask());

        Assert.Equal("1", Text((await GetAsync("a", current))!.Value));
    }

    [Fact]
    public async Task Compact_CanMoveForwardAgain()
    {
        await PutAsync("a", "1");
        var first = (await PutAsync("a", "2")).Revision;
        await Store.CompactAsync(first);
        var second = (await PutAsync("a", "3")).Revision;
        await PutAsync("a", "4");

        await Store.CompactAsync(second);

        await Assert.ThrowsAsync<CompactedException>(() => RangeAsync(KeyRange.Single("a"), first));
        Assert.Equal("3", Text((await GetAsync("a", second))!.Value));
    }

    [Fact]
    public async Task TxnRead_BelowTheCompactionPoint_ThrowsCompacted()
    {
        var first = await PutAsync("a", "1");
        var point = (await PutAsync("a", "2")).Revision;
        await Store.CompactAsync(point);

        var error = await Assert.ThrowsAsync<CompactedException>(
            () => TxnAsync([], [new RangeRequest(KeyRange.Single("a")) { Revision = first.Revision }]));

        Assert.Equal(point, error.CompactRevision);
    }

    [Fact]
    public async Task Compact_KeepsKeysDeletedAndRecreatedAcrossThePoint_Correct()
    {
        await PutAsync("k", "gen1");
        await DeleteAsync(KeyRange.Single("k"));
        var recreated = await PutAsync("k", "gen2");
        var point = (await PutAsync("other", "x")).Revision;
        await DeleteAsync(KeyRange.Single("k"));
        var third = await PutAsync("k", "gen3");

        await Store.CompactAsync(point);

        var atPoint = (await GetAsync("k", point))!;
        Assert.Equal(("gen2", 1L, recreated.Revision), (Text(atPoint.Value), atPoint.Version, atPoint.CreateRevision));
        Assert.Null(await GetAsync("k", third.Revision - 1));
        var latest = (await GetAsync("k"))!;
        Assert.Equal(("gen3", 1L, third.Revision), (Text(latest.Value), latest.Version, latest.CreateRevision));
    }
}

using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Txn ops: results, one revision for all writes, atomicity, read-your-writes, and the duplicate-key rules.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class TxnConformance(Backend backend) : KeyspaceConformance(backend)
{
    [Fact]
    public async Task Txn_ReturnsOneResultPerOp_InOrder()
    {
        await PutAsync("a", "old");
        await PutAsync("d", "doomed");

        var txn = await TxnAsync(
            [],
            [Get("a"), new PutRequest("a", Bytes("new")) { PrevKv = true }, new DeleteRequest(KeyRange.Single("d")) { PrevKvs = true }, Get("a")]);

        Assert.True(txn.Succeeded);
        Assert.Collection(
            txn.Results,
            r => Assert.Equal("old", Text(Assert.Single(Assert.IsType<RangeResult>(r).Kvs).Value)),
            r => Assert.Equal("old", Text(Assert.IsType<PutResult>(r).PrevKv!.Value)),
            r =>
            {
                var delete = Assert.IsType<DeleteResult>(r);
                Assert.Equal(1, delete.Deleted);
                Assert.Equal("doomed", Text(Assert.Single(delete.PrevKvs).Value));
            },
            r => Assert.Equal("new", Text(Assert.Single(Assert.IsType<RangeResult>(r).Kvs).Value)));
    }

    [Fact]
    public async Task Txn_GivesEveryWriteOneRevision_AndReportsItOnEveryResult()
    {
        await PutAsync("c", "x");
        var before = await RevisionAsync();

        var txn = await TxnAsync([], [Put("a", "1"), Put("b", "1"), new DeleteRequest(KeyRange.Single("c")), Get("a")]);

        Assert.Equal(before + 1, txn.Revision);
        Assert.Equal(before + 1, await RevisionAsync());
        Assert.All(txn.Results, r => Assert.Equal(before + 1, r.Revision));
        Assert.Equal(before + 1, (await GetAsync("a"))!.ModRevision);
        Assert.Equal(before + 1, (await GetAsync("b"))!.ModRevision);
        Assert.Null(await GetAsync("c", before + 1));
        Assert.NotNull(await GetAsync("c", before));
    }

    [Fact]
    public async Task Txn_WritesBecomeVisibleTogether_AtItsRevision()
    {
        await PutAsync("a", "0");
        var before = await RevisionAsync();

        var txn = await TxnAsync([], [Put("a", "1"), Put("b", "1")]);

        Assert.Equal(["a=0"], (await RangeAsync(KeyRange.All, before)).Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
        Assert.Equal(["a=1", "b=1"], (await RangeAsync(KeyRange.All, txn.Revision)).Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
    }

    [Fact]
    public async Task Txn_Put_EvolvesVersionLikeAPlainPut()
    {
        var created = await PutAsync("a", "1");

        var txn = await TxnAsync([], [Put("a", "2"), Put("new", "1")]);

        var a = (await GetAsync("a"))!;
        var fresh = (await GetAsync("new"))!;
        Assert.Equal((2L, created.Revision, txn.Revision), (a.Version, a.CreateRevision, a.ModRevision));
        Assert.Equal((1L, txn.Revision, txn.Revision), (fresh.Version, fresh.CreateRevision, fresh.ModRevision));
    }

    [Fact]
    public async Task Txn_ReadsSeeEarlierWritesOfTheSameTxn()
    {
        await PutAsync("p/old", "x");
        await PutAsync("b", "before");

        var txn = await TxnAsync(
            [],
            [Put("a", "written"), Get("a"), new DeleteRequest(KeyRange.Single("b")), Get("b"), Put("p/new", "y"), new RangeRequest(KeyRange.Prefix("p/"))]);

        var readA = Assert.IsType<RangeResult>(txn.Results[1]);
        var kv = Assert.Single(readA.Kvs);
        Assert.Equal("written", Text(kv.Value));
        Assert.Equal(txn.Revision, kv.ModRevision);
        Assert.Empty(Assert.IsType<RangeResult>(txn.Results[3]).Kvs);
        Assert.Equal(["p/new", "p/old"], Assert.IsType<RangeResult>(txn.Results[5]).Kvs.Select(k => k.Key));
    }

    [Fact]
    public async Task Txn_ReadsSeeEarlierWrites_InTheFailureBranchToo()
    {
        var txn = await TxnAsync([Compare.Version("missing", CompareResult.Greater, 0)], [], [Put("f", "1"), Get("f")]);

        Assert.False(txn.Succeeded);
        Assert.Equal("1", Text(Assert.Single(Assert.IsType<RangeResult>(txn.Results[1]).Kvs).Value));
    }

    [Fact]
    public async Task Txn_ReadsAtAPastRevision_SeeThatRevision()
    {
        var first = await PutAsync("a", "1");
        await PutAsync("a", "2");

        var txn = await TxnAsync([], [new RangeRequest(KeyRange.Single("a")) { Revision = first.Revision }]);

        Assert.Equal("1", Text(Assert.Single(Assert.IsType<RangeResult>(Assert.Single(txn.Results)).Kvs).Value));
    }

    [Fact]
    public async Task Txn_ReadAtAnExplicitRevision_DoesNotSeeTheTxnsOwnLaterWrites()
    {
        // "Read as of revision R" holds inside a txn too: its own writes belong to the next revision, not to R.
        await PutAsync("a", "old");
        var before = await RevisionAsync();

        var txn = await TxnAsync(
            [],
            [Put("a", "new"), Put("b", "new"), new RangeRequest(KeyRange.All) { Revision = before }, Get("a")]);

        var asOfBefore = Assert.IsType<RangeResult>(txn.Results[2]);
        Assert.Equal(["a=old"], asOfBefore.Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
        Assert.Equal(before, Assert.Single(asOfBefore.Kvs).ModRevision);
        Assert.Equal("new", Text(Assert.Single(Assert.IsType<RangeResult>(txn.Results[3]).Kvs).Value));
    }

    [Fact]
    public async Task Txn_ThrowsInvalidArgument_WhenABranchPutsTheSameKeyTwice()
    {
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [Put("a", "1"), Put("b", "1"), Put("a", "2")]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Empty(await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Txn_ThrowsInvalidArgument_WhenTheUnchosenBranchPutsTheSameKeyTwice()
    {
        // The rule is structural: it does not depend on which branch the compares pick.
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [Put("ok", "1")], [Put("a", "1"), Put("a", "2")]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("ok"));
    }

    [Theory]
    [InlineData("single")]
    [InlineData("prefix")]
    [InlineData("between")]
    [InlineData("fromKey")]
    public async Task Txn_ThrowsInvalidArgument_WhenABranchPutsAKeyThatItsDeleteCovers(string shape)
    {
        await PutAsync("p/x", "old");
        var before = await RevisionAsync();
        var range = shape switch
        {
            "single" => KeyRange.Single("p/x"),
            "prefix" => KeyRange.Prefix("p/"),
            "between" => KeyRange.Between("p/", "p/y"),
            _ => KeyRange.FromKey("p"),
        };

        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [new DeleteRequest(range), Put("p/x", "new")]));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [Put("p/x", "new"), new DeleteRequest(range)]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Equal("old", Text((await GetAsync("p/x"))!.Value));
    }

    [Fact]
    public async Task Txn_AllowsPuttingAKeyOutsideTheRangeItsDeleteCovers()
    {
        await PutAsync("p/x", "old");

        var txn = await TxnAsync([], [new DeleteRequest(KeyRange.Prefix("p/")), Put("p", "kept"), Put("q/x", "new")]);

        Assert.True(txn.Succeeded);
        Assert.Equal(["p", "q/x"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Txn_AllowsTheSameKeyInBothBranches()
    {
        var txn = await TxnAsync([], [Put("a", "success")], [Put("a", "failure")]);

        Assert.True(txn.Succeeded);
        Assert.Equal("success", Text((await GetAsync("a"))!.Value));
    }

    [Fact]
    public async Task Txn_LeavesNothingWritten_WhenALaterOpFails()
    {
        await PutAsync("a", "old");
        await PutAsync("c", "kept");
        var before = await RevisionAsync();

        // The put and delete come first; the read of a future revision after them makes the whole txn fail.
        await Assert.ThrowsAsync<FutureRevisionException>(() => TxnAsync(
            [],
            [Put("a", "new"), Put("b", "new"), new DeleteRequest(KeyRange.Single("c")), new RangeRequest(KeyRange.Single("a")) { Revision = before + 100 }]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Equal(["a=old", "c=kept"], (await RangeAsync(KeyRange.All)).Kvs.Select(kv => kv.Key + "=" + Text(kv.Value)));
        Assert.Equal(1, (await GetAsync("a"))!.Version);
    }

    [Fact]
    public async Task Txn_LeavesNothingWritten_WhenAReadHasANegativeRevision()
    {
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync(
            [],
            [Put("a", "new"), new RangeRequest(KeyRange.Single("a")) { Revision = -1 }]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("a"));
    }

    [Fact]
    public async Task Txn_StoreKeepsWorking_AfterAFailedTxn()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [Put("a", "1"), Put("a", "2")]));
        var before = await RevisionAsync();

        var put = await PutAsync("a", "3");
        var txn = await TxnAsync([Compare.ModRevision("a", CompareResult.Equal, put.Revision)], [Put("a", "4")]);

        Assert.Equal(before + 1, put.Revision);
        Assert.True(txn.Succeeded);
        Assert.Equal(before + 2, txn.Revision);
        Assert.Equal(2, (await GetAsync("a"))!.Version);
    }

    [Fact]
    public async Task Txn_EmptyBranches_SucceedWithoutResults()
    {
        var before = await RevisionAsync();

        var txn = await TxnAsync([], []);

        Assert.True(txn.Succeeded);
        Assert.Empty(txn.Results);
        Assert.Equal(before, txn.Revision);
    }
}

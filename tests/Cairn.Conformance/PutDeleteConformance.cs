using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Puts and deletes: how version, create revision and mod revision evolve, prevKv(s), delete counts.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class PutDeleteConformance(Backend backend) : KeyspaceConformance(backend)
{
    [Fact]
    public async Task Put_CreatesKey_WithVersionOne_AndCreateRevisionEqualToModRevision()
    {
        var put = await PutAsync("k", "v1");

        var kv = await GetAsync("k");

        Assert.NotNull(kv);
        Assert.Equal("v1", Text(kv.Value));
        Assert.Equal(1, kv.Version);
        Assert.Equal(put.Revision, kv.CreateRevision);
        Assert.Equal(put.Revision, kv.ModRevision);
        Assert.Equal(0, kv.Lease);
    }

    [Fact]
    public async Task Put_IncrementsVersion_AndKeepsCreateRevision_WhenKeyExists()
    {
        var first = await PutAsync("k", "v1");
        await PutAsync("other", "x");
        var second = await PutAsync("k", "v2");
        var third = await PutAsync("k", "v3");

        var kv = await GetAsync("k");

        Assert.NotNull(kv);
        Assert.Equal("v3", Text(kv.Value));
        Assert.Equal(3, kv.Version);
        Assert.Equal(first.Revision, kv.CreateRevision);
        Assert.Equal(third.Revision, kv.ModRevision);
        Assert.Equal(second.Revision + 1, third.Revision);
    }

    [Fact]
    public async Task Put_ReturnsThePreviousKeyValue_WhenAskedAndKeyExists()
    {
        var first = await PutAsync("k", "old");

        var put = await PutAsync("k", "new", prevKv: true);

        Assert.NotNull(put.PrevKv);
        Assert.Equal("k", put.PrevKv.Key);
        Assert.Equal("old", Text(put.PrevKv.Value));
        Assert.Equal(1, put.PrevKv.Version);
        Assert.Equal(first.Revision, put.PrevKv.CreateRevision);
        Assert.Equal(first.Revision, put.PrevKv.ModRevision);
    }

    [Fact]
    public async Task Put_ReturnsNoPreviousKeyValue_WhenKeyIsNew()
    {
        var put = await PutAsync("k", "v", prevKv: true);

        Assert.Null(put.PrevKv);
    }

    [Fact]
    public async Task Put_ReturnsNoPreviousKeyValue_WhenNotAsked()
    {
        await PutAsync("k", "old");

        var put = await PutAsync("k", "new");

        Assert.Null(put.PrevKv);
    }

    [Fact]
    public async Task Put_ReturnsNoPreviousKeyValue_WhenKeyWasDeleted()
    {
        await PutAsync("k", "old");
        await DeleteAsync(KeyRange.Single("k"));

        var put = await PutAsync("k", "new", prevKv: true);

        Assert.Null(put.PrevKv);
    }

    [Fact]
    public async Task Put_OverwritesTheValue_WithTheSameValue_StillBumpingVersionAndRevision()
    {
        var first = await PutAsync("k", "same");

        var second = await PutAsync("k", "same");

        var kv = await GetAsync("k");
        Assert.NotNull(kv);
        Assert.Equal(first.Revision + 1, second.Revision);
        Assert.Equal(2, kv.Version);
        Assert.Equal(second.Revision, kv.ModRevision);
    }

    [Fact]
    public async Task Delete_ThenPut_ResetsVersionToOne_AndSetsANewCreateRevision()
    {
        var created = await PutAsync("k", "v1");
        await PutAsync("k", "v2");
        await DeleteAsync(KeyRange.Single("k"));

        var recreated = await PutAsync("k", "v3");

        var kv = await GetAsync("k");
        Assert.NotNull(kv);
        Assert.Equal(1, kv.Version);
        Assert.Equal(recreated.Revision, kv.CreateRevision);
        Assert.Equal(recreated.Revision, kv.ModRevision);
        Assert.NotEqual(created.Revision, kv.CreateRevision);
    }

    [Fact]
    public async Task Delete_RemovesTheKey_AndReportsOneDeleted_AtTheNextRevision()
    {
        var put = await PutAsync("k", "v");
        await PutAsync("k2", "v");

        var deleted = await DeleteAsync(KeyRange.Single("k"));

        Assert.Equal(1, deleted.Deleted);
        Assert.Equal(put.Revision + 2, deleted.Revision);
        Assert.Empty(deleted.PrevKvs);
        Assert.Null(await GetAsync("k"));
        Assert.NotNull(await GetAsync("k2"));
        Assert.Equal(deleted.Revision, await RevisionAsync());
    }

    [Fact]
    public async Task Delete_ReturnsTheDeletedKeyValuesInKeyOrder_WhenAsked()
    {
        var a = await PutAsync("d/a", "1");
        await PutAsync("d/b", "2");
        await PutAsync("d/a", "3");

        var deleted = await DeleteAsync(KeyRange.Prefix("d/"), prevKvs: true);

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["d/a", "d/b"], deleted.PrevKvs.Select(kv => kv.Key));
        Assert.Equal(["3", "2"], deleted.PrevKvs.Select(kv => Text(kv.Value)));
        Assert.Equal(2, deleted.PrevKvs[0].Version);
        Assert.Equal(a.Revision, deleted.PrevKvs[0].CreateRevision);
    }

    [Fact]
    public async Task Delete_Prefix_DeletesOnlyMatchingKeys_InOneRevision()
    {
        await PutAsync("d/1", "x");
        await PutAsync("d/2", "x");
        await PutAsync("d/2/deep", "x");
        await PutAsync("d0", "x");
        await PutAsync("c", "x");
        var before = await RevisionAsync();

        var deleted = await DeleteAsync(KeyRange.Prefix("d/"));

        Assert.Equal(3, deleted.Deleted);
        Assert.Equal(before + 1, deleted.Revision);
        Assert.Equal(before + 1, await RevisionAsync());
        Assert.Equal(["c", "d0"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Delete_Between_DeletesTheHalfOpenInterval()
    {
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            await PutAsync(key, "x");
        }

        var deleted = await DeleteAsync(KeyRange.Between("b", "d"));

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["a", "d"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Delete_FromKey_DeletesTheKeyAndEverythingAfter()
    {
        foreach (var key in new[] { "a", "b", "c", "é" })
        {
            await PutAsync(key, "x");
        }

        var deleted = await DeleteAsync(KeyRange.FromKey("b"));

        Assert.Equal(3, deleted.Deleted);
        Assert.Equal(["a"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Delete_All_EmptiesTheStore()
    {
        await PutAsync("a", "x");
        await PutAsync("😀", "x");

        var deleted = await DeleteAsync(KeyRange.All);

        Assert.Equal(2, deleted.Deleted);
        Assert.Empty(await KeysAsync(KeyRange.All));
        Assert.Equal(0, (await Store.StatusAsync()).KeyCount);
    }

    [Fact]
    public async Task Delete_OfNothing_ReportsZero_AndLeavesTheRevisionUnchanged()
    {
        await PutAsync("a", "x");
        var before = await RevisionAsync();

        var deleted = await DeleteAsync(KeyRange.Prefix("missing/"), prevKvs: true);

        Assert.Equal(0, deleted.Deleted);
        Assert.Empty(deleted.PrevKvs);
        Assert.Equal(before, deleted.Revision);
        Assert.Equal(before, await RevisionAsync());
    }

    [Fact]
    public async Task Delete_OfAKeyAlreadyDeleted_DeletesNothing()
    {
        await PutAsync("a", "x");
        await DeleteAsync(KeyRange.Single("a"));
        var before = await RevisionAsync();

        var again = await DeleteAsync(KeyRange.Single("a"));

        Assert.Equal(0, again.Deleted);
        Assert.Equal(before, await RevisionAsync());
    }

    [Fact]
    public async Task DeleteBetween_WithAnEmptyEnd_NeverDeletesKeysAtOrAfterTheStart()
    {
        // [from, "") is an empty interval. A store may reject it, but it must not read it as "no upper bound".
        await PutAsync("a", "x");
        await PutAsync("b", "x");

        try
        {
            var deleted = await DeleteAsync(KeyRange.Between("a", ""));
            Assert.Equal(0, deleted.Deleted);
        }
        catch (InvalidArgumentException)
        {
        }

        Assert.Equal(["a", "b"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Put_WithAnAlreadyCancelledToken_ThrowsAndWritesNothing()
    {
        var before = await RevisionAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.PutAsync(new PutRequest("k", Bytes("v")), new CancellationToken(canceled: true)).AsTask());

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("k"));
    }

    [Fact]
    public async Task Status_CountsLiveKeys()
    {
        await PutAsync("a", "x");
        await PutAsync("b", "x");
        await PutAsync("a", "y");
        await PutAsync("c", "x");
        await DeleteAsync(KeyRange.Single("c"));

        var status = await Store.StatusAsync();

        Assert.Equal(2, status.KeyCount);
        Assert.False(string.IsNullOrEmpty(status.Backend));
    }
}

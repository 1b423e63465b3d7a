using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Carts.Tests.Store;

/// <summary>Cart records on the keyspace: create (checked whole), read, list, replace, delete, touch, fix, purge and the
/// event stream; on every backend.</summary>
public abstract class CartStoreBehaviour(Backend backend) : CartsHarness(backend)
{
    private static CreateCartDto Files(int count) =>
        Request(Enumerable.Range(0, count).Select(i => ($"id-{i}", $"dir/f{i}.bin", (byte[]?)null)));

    private async Task<long> RevisionAsync() => (await Store.StatusAsync()).Revision;

    /// <summary>Puts the record as a node would have left it (state, volume).</summary>
    private async Task SetAsync(string uid, Action<CartRecord> change)
    {
        var read = await Carts.ReadCartAsync(uid, default);
        var record = read!.Value.Record;
        change(record);
        await Store.PutAsync(new PutRequest(CartKeys.Cart(uid), CartJson.Encode(record)));
    }

    [Fact]
    public async Task Create_TheSeedsCart_IsWaitingWithItsFilesInOrder()
    {
        var created = await Carts.CreateAsync("38", SeedCart(), requireHashes: true);

        Assert.Equal(CartStates.Waiting, created.State);
        Assert.Equal(32, created.CartId.Length);
        var cart = await Carts.GetAsync("38", withFiles: true);
        Assert.NotNull(cart);
        Assert.Equal(3, cart.FileCount);
        Assert.Equal("pacifica", cart.Archive);
        Assert.Equal(["1/2/3/foo.txt", "1/2/3/bar.csv", "2/3/4/baz.ini"], cart.Files!.Select(f => f.Path));
        Assert.Equal(["foo.txt", "bar.csv", "baz.ini"], cart.Files!.Select(f => f.Id));
        Assert.All(cart.Files!, f => Assert.Equal("md5", f.HashType));
        Assert.All(cart.Files!, f => Assert.Equal(CartFileStates.Waiting, f.State));
        Assert.Equal(created.ModRevision, cart.ModRevision);
    }

    [Fact]
    public async Task Create_TakesIntegerIds_AsText_AndHashesAreOptionalUnlessRequired()
    {
        var request = new CreateCartDto
        {
            FileIds = [new CartFileRequestDto { Id = JsonSerializer.SerializeToElement(12345), Path = "/a.txt" }],
        };

        await Carts.CreateAsync("ints", request, requireHashes: false);
        var cart = await Carts.GetAsync("ints", withFiles: true);
        Assert.Equal("12345", cart!.Files![0].Id);
        Assert.Equal("a.txt", cart.Files[0].Path);
        Assert.Null(cart.Files[0].HashType);

        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("ints2", request, requireHashes: true));
        Assert.Contains("fileids[0]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("a\0b")]
    [InlineData("")]
    public async Task Create_WithABadPath_IsRefused_AndNothingIsWritten(string path)
    {
        var before = await RevisionAsync();
        var request = Request([("a", "ok.txt", null), ("b", path, null)]);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("bad", request, requireHashes: false));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await Carts.GetAsync("bad", withFiles: false));
    }

    [Fact]
    public async Task Create_RefusesBadInput_Whole()
    {
        var before = await RevisionAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("../up", Files(1), false));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("none", new CreateCartDto { FileIds = [] }, false));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("dup", Request([("a", "x", null), ("b", "/x", null)]), false));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("clash", Request([("a", "x", null), ("b", "x/y", null)]), false));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("arch", new CreateCartDto { Archive = "nope", FileIds = Files(1).FileIds }, false));
        var badHash = Files(1);
        badHash.FileIds![0].HashType = "crc32";
        badHash.FileIds[0].HashSum = "00";
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.CreateAsync("hash", badHash, false));
        var tooMany = new CartStore(Store, Fast with { MaxFiles = 2 }, Archives, TimeProvider.System);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => tooMany.CreateAsync("many", Files(3), false));
        Assert.Equal(before, await RevisionAsync());
    }

    [Fact]
    public async Task Create_ACartOfManyFiles_WritesThemAll()
    {
        await Carts.CreateAsync("many", Files(300), false);

        var cart = await Carts.GetAsync("many", withFiles: true);
        Assert.Equal(300, cart!.FileCount);
        Assert.Equal(Enumerable.Range(0, 300), cart.Files!.Select(f => f.Index));
    }

    [Fact]
    public async Task Create_AgainWithTheSameUid_ReplacesTheCart_InOneTransaction()
    {
        var first = await Carts.CreateAsync("re", Files(3), false);
        await SetAsync("re", r => r.Volume = "0123456789abcdef0123456789abcdef");
        await Store.PutAsync(new PutRequest(CartKeys.Claim(first.CartId), "{}"u8.ToArray()));

        var second = await Carts.CreateAsync("re", Files(1), false);

        Assert.NotEqual(first.CartId, second.CartId);
        var cart = await Carts.GetAsync("re", withFiles: true);
        Assert.Equal(second.CartId, cart!.CartId);
        Assert.Single(cart.Files!);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.Files(first.CartId))))).Kvs);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Pending(first.CartId))))).Kvs);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Claim(first.CartId))))).Kvs);
        var tombstone = await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Gone("0123456789abcdef0123456789abcdef", first.CartId))));
        Assert.Single(tombstone.Kvs);
        Assert.Single((await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Pending(second.CartId))))).Kvs);
        Assert.Equal(second.ModRevision, tombstone.Kvs[0].ModRevision); // the same transaction
    }

    [Fact]
    public async Task Delete_RemovesEverything_AndIsFalseForAnUnknownCart()
    {
        var created = await Carts.CreateAsync("del", Files(2), false);
        await SetAsync("del", r => r.Volume = "0123456789abcdef0123456789abcdef");

        Assert.True(await Carts.DeleteAsync("del"));
        Assert.False(await Carts.DeleteAsync("del"));
        Assert.Null(await Carts.GetAsync("del", false));
        var left = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.Root)));
        Assert.Equal([CartKeys.Gone("0123456789abcdef0123456789abcdef", created.CartId)], left.Kvs.Select(kv => kv.Key));
    }

    [Fact]
    public async Task List_PagesInUidOrder_AndFiltersByState()
    {
        foreach (var uid in new[] { "c", "a", "e", "b", "d" })
        {
            await Carts.CreateAsync(uid, Files(1), false);
        }

        await SetAsync("b", r => r.State = CartStates.Ready);
        await SetAsync("d", r => r.State = CartStates.Ready);

        var first = await Carts.ListAsync(null, 2, null, false);
        Assert.Equal(["a", "b"], first.Items.Select(c => c.Uid));
        Assert.Equal("b", first.Next);
        var second = await Carts.ListAsync(first.Next, 2, null, false);
        Assert.Equal(["c", "d"], second.Items.Select(c => c.Uid));
        var last = await Carts.ListAsync(second.Next, 2, null, true);
        Assert.Equal(["e"], last.Items.Select(c => c.Uid));
        Assert.Null(last.Next);
        Assert.Single(last.Items[0].Files!);
        var ready = await Carts.ListAsync(null, 10, CartStates.Ready, false);
        Assert.Equal(["b", "d"], ready.Items.Select(c => c.Uid));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Carts.ListAsync(null, 10, "bogus", false));
    }

    [Fact]
    public async Task Touch_RecordsAUse_AndUnknownIsNotFound()
    {
        var created = await Carts.CreateAsync("t", Files(1), false);

        var touched = await Carts.TouchAsync("t");

        Assert.True(touched.LastUsed >= created.LastUsed);
        Assert.True(touched.ModRevision > created.ModRevision);
        await Assert.ThrowsAsync<NotFoundException>(() => Carts.TouchAsync("nope"));
    }

    [Fact]
    public async Task Fix_PutsAnErrorCartBackToWaiting_KeepingStagedFiles()
    {
        var created = await Carts.CreateAsync("fix", Files(3), false);
        var files = await Carts.ReadFilesAsync(created.CartId, 0, default);
        files[0].State = CartFileStates.Staged;
        files[0].Size = 10;
        files[0].BytesDone = 10;
        files[1].State = CartFileStates.Error;
        files[1].Error = "Failed to stage with error: boom";
        files[1].BytesDone = 3;
        files[2].State = CartFileStates.Fetching;
        files[2].BytesDone = 5;
        foreach (var f in files)
        {
            await Store.PutAsync(new PutRequest(CartKeys.File(created.CartId, f.Index), CartJson.Encode(f)));
        }

        await SetAsync("fix", r =>
        {
            r.State = CartStates.Error;
            r.Message = "Failed to pull file(Failed to stage with error: boom)";
        });
        await Store.DeleteAsync(new DeleteRequest(KeyRange.Single(CartKeys.Pending(created.CartId))));

        var fixedCart = await Carts.FixAsync("fix");

        Assert.Equal(CartStates.Waiting, fixedCart.State);
        Assert.Equal("", fixedCart.Message);
        var after = await Carts.GetAsync("fix", true);
        Assert.Equal([CartFileStates.Staged, CartFileStates.Waiting, CartFileStates.Waiting], after!.Files!.Select(f => f.State));
        Assert.Equal([10L, 0, 0], after.Files!.Select(f => f.BytesDone));
        Assert.Null(after.Files![1].Error);
        Assert.Single((await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Pending(created.CartId))))).Kvs);

        var again = await Carts.FixAsync("fix"); // not in error: unchanged
        Assert.Equal(after.ModRevision, again.ModRevision);
        await Assert.ThrowsAsync<NotFoundException>(() => Carts.FixAsync("nope"));
    }

    [Fact]
    public async Task Purge_DeletesOnlyOldSettledCarts_OldestFirst()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var carts = new CartStore(Store, Fast, Archives, clock);
        await carts.CreateAsync("old-ready", Files(1), false);
        clock.Advance(TimeSpan.FromMinutes(1));
        await carts.CreateAsync("old-error", Files(1), false);
        await carts.CreateAsync("old-waiting", Files(1), false);
        clock.Advance(TimeSpan.FromDays(200));
        await carts.CreateAsync("new-ready", Files(1), false);
        foreach (var uid in new[] { "old-ready", "new-ready" })
        {
            await SetAsync(uid, r => r.State = CartStates.Ready);
        }

        await SetAsync("old-error", r => r.State = CartStates.Error);

        var dry = await carts.PurgeAsync(TimeSpan.FromDays(180), dryRun: true);
        Assert.Equal(["old-ready", "old-error"], dry.Deleted);
        Assert.NotNull(await carts.GetAsync("old-ready", false));

        var purged = await carts.PurgeAsync(TimeSpan.FromDays(180), dryRun: false);
        Assert.Equal(["old-ready", "old-error"], purged.Deleted);
        Assert.Null(await carts.GetAsync("old-ready", false));
        Assert.NotNull(await carts.GetAsync("old-waiting", false));
        Assert.NotNull(await carts.GetAsync("new-ready", false));
    }

    [Fact]
    public async Task Watch_FromNow_StartsWithThePresentState_AndEndsWithDeleted()
    {
        var created = await Carts.CreateAsync("w", Files(2), false);
        using var cts = new CancellationTokenSource(Deadline);
        var events = new List<CartEventDto>();
        var started = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in Carts.WatchAsync("w", 0, cts.Token))
            {
                events.Add(e);
                started.TrySetResult();
            }
        });
        await started.Task.WaitAsync(cts.Token);
        await Carts.TouchAsync("w");
        await Carts.DeleteAsync("w");
        await reader.WaitAsync(cts.Token);

        Assert.Equal([CartEventTypes.Cart, CartEventTypes.Cart, CartEventTypes.Deleted], events.Select(e => e.Type));
        Assert.Equal(created.ModRevision, events[0].Revision);
        Assert.Equal(CartStates.Deleted, events[^1].Cart!.State);
        Assert.Equal(created.CartId, events[^1].Cart!.CartId);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision));
    }

    [Fact]
    public async Task Watch_FromARevision_ReplaysFileChanges_AndEndsWhenTheUidIsPostedAgain()
    {
        var created = await Carts.CreateAsync("wr", Files(300), false);
        await SetAsync("wr", r => r.State = CartStates.Error);
        await Carts.FixAsync("wr"); // 300 files reset in batches: a cart event with its file events per batch
        await Carts.CreateAsync("wr", Files(1), false);

        var events = new List<CartEventDto>();
        using var cts = new CancellationTokenSource(Deadline);
        await foreach (var e in Carts.WatchAsync("wr", created.ModRevision + 1, cts.Token))
        {
            events.Add(e);
        }

        Assert.Equal(CartEventTypes.Deleted, events[^1].Type);
        Assert.Equal(created.CartId, events[^1].Cart!.CartId);
        Assert.Equal(300, events.Count(e => e.Type == CartEventTypes.File));
        Assert.Equal(Enumerable.Range(0, 300), events.Where(e => e.Type == CartEventTypes.File).Select(e => e.File!.Index));
        Assert.Equal(CartStates.Waiting, events.Last(e => e.Type == CartEventTypes.Cart).Cart!.State);
    }

    [Fact]
    public async Task Watch_OfAnUnknownCart_IsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var e in Carts.WatchAsync("ghost", 0))
            {
            }
        });
    }

    [Fact]
    public async Task Watch_FromACompactedRevision_IsCompacted()
    {
        var created = await Carts.CreateAsync("c", Files(1), false);
        await Carts.TouchAsync("c");
        await Carts.TouchAsync("c");
        await Store.CompactAsync(await RevisionAsync());

        await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var e in Carts.WatchAsync("c", created.ModRevision + 1))
            {
            }
        });
    }
}

using Cairn.Contracts;

namespace Cairn.Carts.Tests.Node;

/// <summary>The pipeline on a node, against an in-memory archive: the seed's cases (ready and its tar, bundle mode,
/// wrong hash, missing file, tape, archive errors, no space), resumes, LRU, delete/replace/fix, the event stream, and a
/// node that dies mid-staging; on every backend.</summary>
public abstract class CartNodeBehaviour(Backend backend) : CartsHarness(backend)
{
    private async Task<CartDto> ReadyAsync(string uid, CreateCartDto request)
    {
        await Carts.CreateAsync(uid, request, requireHashes: false);
        return await WaitForAsync(uid, CartStates.Ready);
    }

    [Fact]
    public async Task SeedCart_BecomesReady_AndItsTarHoldsTheFilesUnderTheNamesRoot()
    {
        var node = await StartNodeAsync();
        var cart = await ReadyAsync("38", SeedCart());

        Assert.Equal(3, cart.FilesStaged);
        Assert.Equal(SeedFiles.Values.Sum(v => v.Length), cart.TotalBytes);
        Assert.Equal(cart.TotalBytes, cart.BytesDone);
        Assert.Equal("node-a", cart.Node);
        await using var download = await node.OpenDownloadAsync(cart, "38.tar");
        var members = await ReadTarAsync(download.Content);

        Assert.Equal(["38/", "38/1/", "38/1/2/", "38/1/2/3/", "38/1/2/3/foo.txt", "38/1/2/3/bar.csv", "38/2/", "38/2/3/", "38/2/3/4/", "38/2/3/4/baz.ini"],
            members.Select(m => m.Name.EndsWith('/') || m.Data is not null ? m.Name : m.Name + "/"));
        Assert.Equal(SeedFiles["foo.txt"], members.Single(m => m.Name == "38/1/2/3/foo.txt").Data);
        Assert.Equal(SeedFiles["bar.csv"], members.Single(m => m.Name == "38/1/2/3/bar.csv").Data);
        Assert.Equal(SeedFiles["baz.ini"], members.Single(m => m.Name == "38/2/3/4/baz.ini").Data);
        Assert.Equal(download.Length, download.Content.Length);
        Assert.Matches($"^\"{cart.CartId}-[0-9a-f]{{8}}\"$", download.ETag);
        Assert.Equal(cart.ReadyAt, download.LastModified);

        await using var byDefault = await node.OpenDownloadAsync(cart, null);
        Assert.Equal(cart.TarBytes, byDefault.Length);
        Assert.Equal(CartPaths.DefaultFileName(cart.ReadyAt!.Value), byDefault.FileName);
        Assert.NotEqual(download.ETag, byDefault.ETag);
    }

    [Fact]
    public async Task AStandaloneNode_LeavesAnIdleStoreAsItWas_AndTakesBackTheClaimsOfItsPreviousRun()
    {
        var alone = Fast with { Standalone = true };
        var before = await Store.StatusAsync();
        var node = await StartNodeAsync("alone", alone);
        Assert.Equal(before.Revision, (await Store.StatusAsync()).Revision);
        Assert.Empty(await Store.ListLeasesAsync());

        // A claim left by a run of this node that died (not leased: nothing expires it) is released at the next start.
        await node.CrashAsync();
        var slow = Archive.Add("slow.bin", new byte[4096]);
        slow.TapePolls = int.MaxValue;
        await Carts.CreateAsync("left", Request([("slow.bin", "slow.bin", null)]), requireHashes: false);
        await using (var crashing = new CartNode(Store, Carts, Archives, alone, VolumePath("alone"), "node-alone-1", TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            await crashing.StartAsync();
            await Eventually.UntilAsync(async () => (await Carts.GetAsync("left", false))?.State == CartStates.Staging, Deadline, "the cart is claimed");
            await crashing.CrashAsync();
        }

        slow.TapePolls = 0;
        await StartNodeAsync("alone", alone, "node-alone-2");
        await Eventually.UntilAsync(async () => (await Carts.GetAsync("left", false))?.State == CartStates.Ready, Deadline, "the restarted node finishes the cart");
        Assert.Empty(await Store.ListLeasesAsync());
    }

    [Fact]
    public async Task BundleMode_WritesTheBundleOnce_AndServesItUnderAnyRoot()
    {
        var node = await StartNodeAsync();
        var cart = await ReadyAsync("b1", SeedCart(bundle: true));

        Assert.True(cart.Bundle);
        Assert.True(File.Exists(Path.Combine(node.VolumeDirectory, cart.CartId, "bundle.tar")));
        Assert.Empty(Directory.GetFiles(Path.Combine(node.VolumeDirectory, cart.CartId), "*.data"));
        await using (var asUid = await node.OpenDownloadAsync(cart, "b1.tar"))
        await using (var other = await node.OpenDownloadAsync(cart, "other.tar"))
        {
            var uidMembers = await ReadTarAsync(asUid.Content);
            var otherMembers = await ReadTarAsync(other.Content);
            Assert.Equal(uidMembers.Select(m => m.Name.Replace("b1/", "other/", StringComparison.Ordinal)), otherMembers.Select(m => m.Name));
            Assert.Equal(uidMembers.Select(m => m.Data), otherMembers.Select(m => m.Data));
            Assert.Equal(SeedFiles["baz.ini"], otherMembers.Single(m => m.Name == "other/2/3/4/baz.ini").Data);
        }

        Assert.Equal(1, node.BundleBuilds);
    }

    [Fact]
    public async Task WrongHash_FailsTheCart_WithTheSeedsMessage()
    {
        await StartNodeAsync();
        var request = SeedCart();
        request.FileIds![1].HashSum = new string('0', 32);

        await Carts.CreateAsync("bad", request, true);
        var cart = await WaitForAsync("bad", CartStates.Error);

        Assert.Equal("Failed to pull file(Failed to pull with error: File hash does not match provided hash)", cart.Message);
        var files = (await Carts.GetAsync("bad", true))!.Files!;
        Assert.Equal("Failed to pull with error: File hash does not match provided hash", files[1].Error);
        Assert.Equal(CartFileStates.Error, files[1].State);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.PendingPrefix)))).Kvs);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.ClaimsPrefix)))).Kvs);
    }

    [Fact]
    public async Task MissingFile_FailsTheCart_AsAStageError()
    {
        await StartNodeAsync();
        Archive.Add("here", "x"u8.ToArray());

        await Carts.CreateAsync("missing", Request([("here", "a", null), ("not-there", "b", null)]), false);
        var cart = await WaitForAsync("missing", CartStates.Error);

        Assert.StartsWith("Failed to pull file(Failed to stage with error: ", cart.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileOnTapeForThreePolls_IsStaged_WithFewStatusCalls()
    {
        await StartNodeAsync();
        Archive.Add("tape", Bytes(1000, 1)).TapePolls = 3;

        await ReadyAsync("tape", Request([("tape", "t.bin", Bytes(1000, 1))]));

        var file = (await Carts.GetAsync("tape", true))!.Files![0];
        Assert.Equal(4, file.StatusCalls);
        Assert.Equal("disk", file.Media);
        Assert.True(Archive.StatusCalls <= 10, $"{Archive.StatusCalls} status calls");
    }

    [Fact]
    public async Task AFileOnTapeForever_FailsAfterTheStageTimeout_WithoutAHotLoop()
    {
        await StartNodeAsync(options: Fast with { StageTimeout = TimeSpan.FromSeconds(1) });
        Archive.Add("tape", Bytes(10, 1)).TapePolls = int.MaxValue;

        await Carts.CreateAsync("forever", Request([("tape", "t.bin", null)]), false);
        var cart = await WaitForAsync("forever", CartStates.Error);

        Assert.StartsWith("Failed to pull file(Failed to stage with error: ", cart.Message, StringComparison.Ordinal);
        Assert.Contains("tape", cart.Message, StringComparison.Ordinal);

        // Waits of 20, 40, 80 then 100 ms over 1 s: about 13 calls; a hot loop would make thousands.
        Assert.InRange(Archive.StatusCalls, 2, 20);
    }

    [Fact]
    public async Task AnArchiveWhoseStatusFails_FailsTheCart_NotLeftStaging()
    {
        await StartNodeAsync();
        Archive.Add("sick", Bytes(10, 1)).StatusFails = true;

        await Carts.CreateAsync("sick", Request([("sick", "s.bin", null)]), false);
        var cart = await WaitForAsync("sick", CartStates.Error);

        Assert.Equal("Failed to pull file(Failed to status file with error: 500 Server Error: Internal Server Error)", cart.Message);
        Assert.Equal(Fast.Attempts, Archive.StatusCalls);
    }

    [Fact]
    public async Task AFileLargerThanTheVolume_FailsWithNotEnoughSpace()
    {
        await StartNodeAsync();
        Archive.Add("huge", Bytes(10, 1)).ReportedSize = long.MaxValue; // the seed's 10^22 does not fit a long; this is the largest size there is

        await Carts.CreateAsync("huge", Request([("huge", "h.bin", null)]), false);
        var cart = await WaitForAsync("huge", CartStates.Error);

        Assert.Equal("Failed to pull file(Not enough space to download file)", cart.Message);
        Assert.Equal(0, Archive.Reads);
    }

    [Fact]
    public async Task ACutTransfer_ResumesFromTheBytesWritten()
    {
        var node = await StartNodeAsync();
        var content = Bytes(1 << 20, 7);
        Archive.Add("big", content).CutAfter = 300_000;

        var cart = await ReadyAsync("cut", Request([("big", "big.bin", content)], hashType: "sha256"));

        Assert.Equal(2, Archive.Reads);
        Assert.Equal(content.Length, Archive.BytesServed); // resumed at 300,000, not fetched twice
        await using var download = await node.OpenDownloadAsync(cart, "cut.tar");
        Assert.Equal(content, (await ReadTarAsync(download.Content)).Single(m => m.Name == "cut/big.bin").Data);
    }

    [Fact]
    public async Task ACutTransfer_FromAnArchiveWithoutRanges_StartsOver()
    {
        await StartNodeAsync();
        Archive.SupportsRange = false;
        var content = Bytes(200_000, 3);
        Archive.Add("big", content).CutAfter = 100_000;

        await ReadyAsync("cut", Request([("big", "big.bin", content)]));

        Assert.Equal(100_000 + content.Length, Archive.BytesServed);
    }

    [Fact]
    public async Task Watch_SeesEveryStateInOrder_AndEndsWithDeleted()
    {
        Archive.Add("f", Bytes(5000, 2)).TapePolls = 1;
        await Carts.CreateAsync("watched", Request([("f", "f.bin", Bytes(5000, 2))]), false);
        using var cts = new CancellationTokenSource(Deadline);
        var events = new List<CartEventDto>();
        var first = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in Carts.WatchAsync("watched", 0, cts.Token))
            {
                lock (events)
                {
                    events.Add(e);
                }

                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(cts.Token);
        await StartNodeAsync();
        await WaitForAsync("watched", CartStates.Ready);
        await Carts.DeleteAsync("watched");
        await reader.WaitAsync(cts.Token);

        var states = events.Where(e => e.Type != CartEventTypes.File).Select(e => e.Cart!.State).Distinct().ToList();
        Assert.Equal([CartStates.Waiting, CartStates.Staging, CartStates.Bundling, CartStates.Ready, CartStates.Deleted], states);
        var fileStates = events.Where(e => e.Type == CartEventTypes.File).Select(e => e.File!.State).Distinct().ToList();
        Assert.Equal([CartFileStates.Staging, CartFileStates.Fetching, CartFileStates.Staged], fileStates);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision <= p.Second.Revision));
    }

    [Fact]
    public async Task Delete_RemovesTheCartsDirectory()
    {
        var node = await StartNodeAsync();
        var cart = await ReadyAsync("gone", SeedCart());
        var directory = Path.Combine(node.VolumeDirectory, cart.CartId);
        Assert.True(Directory.Exists(directory));

        Assert.True(await Carts.DeleteAsync("gone"));

        await Eventually.UntilAsync(() => !Directory.Exists(directory), Deadline, "the cart's directory is removed");
        await Eventually.UntilAsync(async () => (await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.GonePrefix)))).Kvs.Count == 0, Deadline, "the tombstone is removed");
    }

    [Fact]
    public async Task PostingAUidAgain_ReplacesTheCart_AndTheOldFilesGo()
    {
        var node = await StartNodeAsync();
        var old = await ReadyAsync("again", SeedCart());

        Archive.Add("new", "new content"u8.ToArray());
        var replaced = await Carts.CreateAsync("again", Request([("new", "new.txt", null)]), false);
        var cart = await WaitForAsync("again", CartStates.Ready);

        Assert.Equal(replaced.CartId, cart.CartId);
        await Eventually.UntilAsync(() => !Directory.Exists(Path.Combine(node.VolumeDirectory, old.CartId)), Deadline, "the old cart's directory is removed");
        await using var download = await node.OpenDownloadAsync(cart, "x.tar");
        Assert.Equal(["x/", "x/new.txt"], (await ReadTarAsync(download.Content)).Select(m => m.Name));
        await Assert.ThrowsAsync<NotFoundException>(() => node.OpenDownloadAsync(old, "x.tar"));
    }

    [Fact]
    public async Task Fix_StagesOnlyTheFilesThatFailed()
    {
        await StartNodeAsync(options: Fast with { Parallelism = 1 });
        Archive.Add("good", Bytes(100, 1));
        Archive.Add("bad", Bytes(100, 2));
        var request = Request([("good", "good.bin", Bytes(100, 1)), ("bad", "bad.bin", Bytes(100, 3))]);

        await Carts.CreateAsync("fix", request, false);
        await WaitForAsync("fix", CartStates.Error);
        Archive.Add("bad", Bytes(100, 3)); // the archive has the right bytes now
        await Carts.FixAsync("fix");
        var cart = await WaitForAsync("fix", CartStates.Ready);

        Assert.Equal(1, Archive.ReadsById["good"]);
        Assert.Equal(2, Archive.ReadsById["bad"]);
        Assert.Equal(2, cart.FilesStaged);
    }

    [Fact]
    public async Task OpenDownload_OfACartNotReady_IsAConflict_AndABadNameIsRefused()
    {
        var node = await StartNodeAsync();
        Archive.Add("t", Bytes(10, 1)).TapePolls = int.MaxValue;
        var cart = await Carts.CreateAsync("slow", Request([("t", "t", null)]), false);

        await Assert.ThrowsAsync<ConflictException>(() => node.OpenDownloadAsync(cart, null));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => node.OpenDownloadAsync(cart, "../x.tar"));
    }

    [Fact]
    public async Task Lru_PurgesTheLeastRecentlyUsedReadyCart_ButNeverOneBeingDownloaded()
    {
        const long capacity = 5000;
        CartNode? node = null;
        node = await StartNodeAsync(free: () => capacity - (node?.Volume.UsedBytes() ?? 0));
        Archive.Add("one", Bytes(2000, 1));
        Archive.Add("two", Bytes(2000, 2));
        Archive.Add("three", Bytes(2000, 3));
        Archive.Add("four", Bytes(2000, 4));
        var one = await ReadyAsync("one", Request([("one", "1", null)]));
        var two = await ReadyAsync("two", Request([("two", "2", null)]));
        await Carts.TouchAsync("one"); // "two" is now the least recently used

        var three = await ReadyAsync("three", Request([("three", "3", null)]));

        Assert.Null(await Carts.GetAsync("two", false));
        Assert.NotNull(await Carts.GetAsync("one", false));
        Assert.False(Directory.Exists(Path.Combine(node.VolumeDirectory, two.CartId)));

        // Both remaining carts are being downloaded: nothing may go, so the fourth cart cannot fit.
        await using (await node.OpenDownloadAsync(one, null))
        await using (await node.OpenDownloadAsync(three, null))
        {
            await Carts.CreateAsync("four", Request([("four", "4", null)]), false);
            var four = await WaitForAsync("four", CartStates.Error);
            Assert.Equal("Failed to pull file(Not enough space to download file)", four.Message);
        }

        Assert.NotNull(await Carts.GetAsync("one", false));
        Assert.NotNull(await Carts.GetAsync("three", false));
    }

    [Fact]
    public async Task ANodeThatDiesMidStaging_LosesTheCartToAnotherNode_WhichFinishesIt()
    {
        var content = Bytes(400_000, 5);
        Archive.Add("big", content);
        Archive.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Archive.GateAfterBytes = 100_000;
        var a = await StartNodeAsync("a", Fast with { TransferSize = 50_000 });
        await Carts.CreateAsync("crash", Request([("big", "big.bin", content)]), false);
        await Eventually.UntilAsync(() => Interlocked.Read(ref Archive.BytesServed) >= 100_000, Deadline, "node a copied part of the file");

        await a.CrashAsync();
        var b = await StartNodeAsync("b");
        Archive.Gate.SetResult();
        var cart = await WaitForAsync("crash", CartStates.Ready);

        Assert.Equal("node-b", cart.Node);
        await using var download = await b.OpenDownloadAsync(cart, "c.tar");
        Assert.Equal(content, (await ReadTarAsync(download.Content)).Single(m => m.Name == "c/big.bin").Data);
        var location = await a.LocateAsync(cart);
        Assert.NotNull(location);
        Assert.Equal("node-b", location.NodeId);
    }

    [Fact]
    public async Task ANodeRestartedOnItsVolume_KeepsTheFilesAlreadyStaged()
    {
        Archive.Add("one", Bytes(1000, 1));
        Archive.Add("two", Bytes(1000, 2));
        Archive.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Archive.GateAfterBytes = 1000;
        var a = await StartNodeAsync("a", Fast with { Parallelism = 1 });
        await Carts.CreateAsync("restart", Request([("one", "1", Bytes(1000, 1)), ("two", "2", Bytes(1000, 2))]), false);
        await Eventually.UntilAsync(async () => (await Carts.GetAsync("restart", false))!.FilesStaged == 1, Deadline, "the first file is staged");

        await a.CrashAsync();
        await StartNodeAsync("a", Fast with { Parallelism = 1 }, nodeId: "node-a2");
        Archive.Gate.SetResult();
        var cart = await WaitForAsync("restart", CartStates.Ready);

        Assert.Equal("node-a2", cart.Node);
        Assert.Equal(1, Archive.ReadsById["one"]);
        Assert.Equal(2, cart.FilesStaged);
    }

    [Fact]
    public async Task ANodeThatStops_ReleasesItsClaims_SoAnotherTakesOverAtOnce()
    {
        var content = Bytes(200_000, 9);
        Archive.Add("big", content);
        Archive.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Archive.GateAfterBytes = 50_000;
        var slow = Fast with { ClaimTtl = TimeSpan.FromSeconds(60) }; // an expiry would take a minute: the release must not wait for it
        var a = await StartNodeAsync("a", slow with { TransferSize = 50_000 });
        await Carts.CreateAsync("handover", Request([("big", "big.bin", content)]), false);
        await Eventually.UntilAsync(() => Interlocked.Read(ref Archive.BytesServed) >= 50_000, Deadline, "node a copied part of the file");

        await a.DisposeAsync();
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(CartKeys.ClaimsPrefix)))).Kvs);
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Volume(a.VolumeId))))).Kvs);
        await StartNodeAsync("b", slow);
        Archive.Gate.SetResult();
        var cart = await WaitForAsync("handover", CartStates.Ready);

        Assert.Equal("node-b", cart.Node);
    }

    [Fact]
    public async Task ANodeWhoseLeaseIsLost_PublishesItsVolumeAgain_AndStagesOn()
    {
        var node = await StartNodeAsync();
        var before = (await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Volume(node.VolumeId))))).Kvs.Single().Lease;

        await Store.RevokeLeaseAsync(before);

        await Eventually.UntilAsync(async () =>
            (await Store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Volume(node.VolumeId))))).Kvs is [{ } kv] && kv.Lease != before,
            Deadline, "the volume record is published under a new lease");
        await Carts.CreateAsync("after", SeedCart(), true);
        await WaitForAsync("after", CartStates.Ready);
    }

    [Fact]
    public async Task ANode_StagesAtMostMaxActiveCarts_OldestFirst()
    {
        Archive.Add("t1", Bytes(10, 1)).TapePolls = int.MaxValue;
        Archive.Add("t2", Bytes(10, 2)).TapePolls = int.MaxValue;
        await Carts.CreateAsync("first", Request([("t1", "a", null)]), false);
        await Carts.CreateAsync("second", Request([("t2", "a", null)]), false);

        var node = await StartNodeAsync(options: Fast with { MaxActiveCarts = 1 });
        await WaitForAsync("first", CartStates.Staging);
        await Eventually.UntilAsync(() => Archive.StatusCalls >= 3, Deadline, "the first cart is polled");

        Assert.Equal(CartStates.Waiting, (await Carts.GetAsync("second", false))!.State);
        Assert.Single(node.ActiveCarts);

        await Carts.DeleteAsync("first"); // its slot frees: the second is taken
        await WaitForAsync("second", CartStates.Staging);
    }

    [Fact]
    public async Task Locate_SaysWhichNodeKeepsACart()
    {
        var a = await StartNodeAsync("a");
        var cart = await ReadyAsync("where", SeedCart());
        var b = await StartNodeAsync("b");
        await a.PublishAddressesAsync(["http://10.0.0.1:8080"]);

        var here = await a.LocateAsync(cart);
        var there = await b.LocateAsync(cart);

        Assert.True(here!.Local);
        Assert.False(there!.Local);
        Assert.Equal("node-a", there.NodeId);
        Assert.Equal(["http://10.0.0.1:8080"], there.Addresses);
        await Assert.ThrowsAsync<NotFoundException>(() => b.OpenDownloadAsync(cart, null));
    }
}

using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests.Carts;

/// <summary>Carts through the client against a real server over TCP, files from the <c>directory</c> archive: the
/// pipeline's events, the tar's bytes, a download resumed by range, and the admin calls.</summary>
public sealed class CartClientTests(CartServerFixture fixture) : IClassFixture<CartServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    private static CartFileRequestDto File(string id, string? path = null, byte[]? hashOf = null) => new()
    {
        Id = JsonSerializer.SerializeToElement(id),
        Path = path ?? id,
        HashType = hashOf is null ? null : "SHA256",
        HashSum = hashOf is null ? null : Convert.ToHexString(SHA256.HashData(hashOf)),
    };

    private (string A, byte[] ABytes, string B, byte[] BBytes) TwoFiles(string prefix)
    {
        var a = prefix + "/one.bin";
        var b = prefix + "/deeper/two.txt";
        return (a, fixture.AddFile(a, 150_000), b, fixture.AddFile(b, 1_234));
    }

    private async Task<CartDto> ReadyAsync(CairnClient client, string uid)
    {
        CartDto? cart = null;
        await Eventually.UntilAsync(async () => (cart = await client.GetCartAsync(uid))?.State is CartStates.Ready or CartStates.Error, Deadline, $"cart {uid} is settled");
        return cart!;
    }

    private static Dictionary<string, byte[]> Members(byte[] tar, out List<string> order)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        order = [];
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            order.Add(entry.Name);
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                members[entry.Name] = content.ToArray();
            }
        }

        return members;
    }

    [Fact]
    public async Task CreateAndWatch_EventsArriveInOrder_EndingWithReady_AndTheTarHoldsTheFiles()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("watch");
        var (a, aBytes, b, bBytes) = TwoFiles(uid);

        var created = await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(a, "x/one.bin", aBytes), File(b, "y/two.txt")] });
        var events = new List<CartEventDto>();
        using var stop = new CancellationTokenSource(Deadline);
        await foreach (var change in client.WatchCartAsync(uid, created.ModRevision, stop.Token))
        {
            events.Add(change);
            if (change.Type == CartEventTypes.Cart && CartStates.IsSettled(change.Cart!.State))
            {
                break;
            }
        }

        var tar = new MemoryStream();
        var download = await client.DownloadCartAsync(uid, tar, fileName: "mine.tar");
        var members = Members(tar.ToArray(), out var order);

        Assert.Equal(CartStates.Waiting, created.State);
        Assert.Equal(2, created.FileCount);
        Assert.Equal(events.Select(e => e.Revision).Order(), events.Select(e => e.Revision));
        var states = events.Where(e => e.Type == CartEventTypes.Cart).Select(e => e.Cart!.State).Distinct().ToList();
        string[] pipeline = [CartStates.Waiting, CartStates.Staging, CartStates.Bundling, CartStates.Ready];
        Assert.Equal(CartStates.Ready, states[^1]);
        Assert.Equal(states.OrderBy(s => Array.IndexOf(pipeline, s)), states);
        Assert.All(states, s => Assert.Contains(s, pipeline));
        Assert.Contains(events, e => e.Type == CartEventTypes.File && e.File is { Index: 0, State: CartFileStates.Staged });
        Assert.Contains(events, e => e.Type == CartEventTypes.File && e.File is { Index: 1, State: CartFileStates.Staged });
        var ready = events[^1].Cart!;
        Assert.Equal(2, ready.FilesStaged);
        Assert.Equal(aBytes.Length + bBytes.Length, ready.TotalBytes);

        Assert.False(download.Resumed);
        Assert.Equal(tar.Length, download.Length);
        Assert.NotNull(download.ETag);
        Assert.Equal(aBytes, members["mine/x/one.bin"]);
        Assert.Equal(bBytes, members["mine/y/two.txt"]);
        Assert.Equal("mine/", order[0]);
        Assert.True(order.IndexOf("mine/x/one.bin") < order.IndexOf("mine/y/two.txt"), "members in cart order");
    }

    [Fact]
    public async Task Download_ResumedFromAnOffsetWithItsETag_GivesIdenticalBytes_AndAStaleETagRestarts()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("resume");
        var (a, _, b, _) = TwoFiles(uid);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(a), File(b)] });
        await ReadyAsync(client, uid);

        var whole = new MemoryStream();
        var first = await client.DownloadCartAsync(uid, whole);
        var info = await client.GetCartTarInfoAsync(uid);
        var half = (int)(whole.Length / 2);
        var resumed = new MemoryStream();
        resumed.Write(whole.GetBuffer(), 0, half);
        var reported = new List<long>();
        var second = await client.DownloadCartAsync(uid, resumed, half, first.ETag, progress: new Collect(reported));

        var restarted = new MemoryStream();
        restarted.Write(new byte[half]);
        var third = await client.DownloadCartAsync(uid, restarted, half, "\"stale-etag\"");

        var complete = new MemoryStream(whole.ToArray());
        complete.Position = complete.Length;
        var fourth = await client.DownloadCartAsync(uid, complete, complete.Length, first.ETag);

        Assert.Equal(whole.Length, info.Length);
        Assert.Equal(first.ETag, info.ETag);
        Assert.True(second.Resumed);
        Assert.Equal(half, second.Offset);
        Assert.Equal(whole.Length - half, second.Written);
        Assert.Equal(whole.ToArray(), resumed.ToArray());
        Assert.Equal(whole.Length, reported[^1]);
        Assert.True(reported[0] > half);

        Assert.False(third.Resumed);
        Assert.Equal(whole.ToArray(), restarted.ToArray());

        Assert.Equal(0, fourth.Written);
        Assert.Equal(whole.ToArray(), complete.ToArray());
    }

    [Fact]
    public async Task Download_CutMidway_ThrowsUnavailable_AndResumingFromTheBytesWrittenGivesIdenticalBytes()
    {
        await using var proxy = new TcpProxy(fixture.TcpEndpoint);
        using var client = new CairnClient(proxy.Endpoint);
        var uid = Unique("cut");
        fixture.AddFile(uid + "/big.bin", 24 << 20);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(uid + "/big.bin")] });
        await ReadyAsync(client, uid);
        var whole = new MemoryStream();
        var first = await client.DownloadCartAsync(uid, whole);

        var partial = new MemoryStream();
        var cut = false;
        var broken = await Assert.ThrowsAsync<UnavailableException>(() => client.DownloadCartAsync(uid, partial, progress: new Cut(() =>
        {
            if (!cut && partial.Length > (1 << 20))
            {
                cut = true;
                proxy.CutAll();
            }
        })));
        var written = partial.Length;
        var resumed = await client.DownloadCartAsync(uid, partial, written, first.ETag);

        Assert.True(cut);
        Assert.NotEmpty(broken.Message);
        Assert.InRange(written, 1 << 20, whole.Length - 1);
        Assert.True(resumed.Resumed);
        Assert.Equal(whole.ToArray(), partial.ToArray());
    }

    [Fact]
    public async Task GetListDelete_ReadTheCart_AndDeletedIsGone()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("crud");
        var (a, _, b, _) = TwoFiles(uid);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(a), File(b)] });
        var ready = await ReadyAsync(client, uid);

        var listed = await client.ListCartsAsync(limit: 1000, state: CartStates.Ready, files: true);
        var waiting = await client.ListCartsAsync(limit: 1000, state: CartStates.Waiting);
        var all = new List<CartDto>();
        await foreach (var cart in client.ListAllCartsAsync(pageSize: 1))
        {
            all.Add(cart);
        }

        Assert.Equal(CartStates.Ready, ready.State);
        Assert.Equal([a, b], ready.Files!.Select(f => f.Id));
        Assert.All(ready.Files!, f => Assert.Equal(CartFileStates.Staged, f.State));
        Assert.NotNull(ready.TarBytes);
        var item = Assert.Single(listed.Items, c => c.Uid == uid);
        Assert.Equal(2, item.Files!.Count);
        Assert.DoesNotContain(waiting.Items, c => c.Uid == uid);
        Assert.Contains(all, c => c.Uid == uid);
        Assert.Equal(all.Select(c => c.Uid).Order(StringComparer.Ordinal), all.Select(c => c.Uid));

        Assert.True(await client.DeleteCartAsync(uid));
        Assert.Null(await client.GetCartAsync(uid));
        Assert.False(await client.DeleteCartAsync(uid));
        await Assert.ThrowsAsync<NotFoundException>(() => client.DownloadCartAsync(uid, new MemoryStream()));
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetCartTarInfoAsync(uid));
    }

    [Fact]
    public async Task AMissingFile_FailsTheCart_ItsDownloadIsNotReady_AndFixStagesItOnceThere()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("fix");
        var present = uid + "/here.bin";
        var missing = uid + "/later.bin";
        fixture.AddFile(present, 10_000);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(present), File(missing)] });

        var failed = await ReadyAsync(client, uid);
        var notReady = await Assert.ThrowsAsync<CartNotReadyException>(() => client.DownloadCartAsync(uid, new MemoryStream()));
        var headNotReady = await Assert.ThrowsAsync<CartNotReadyException>(() => client.GetCartTarInfoAsync(uid));
        var later = fixture.AddFile(missing, 5_000);
        var fixedCart = await client.FixCartAsync(uid);
        var ready = await ReadyAsync(client, uid);
        var tar = new MemoryStream();
        await client.DownloadCartAsync(uid, tar, fileName: "f.tar");

        Assert.Equal(CartStates.Error, failed.State);
        Assert.StartsWith("Failed to pull file(", failed.Message, StringComparison.Ordinal);
        Assert.Equal(CartFileStates.Error, failed.Files![1].State);
        Assert.Equal(uid, notReady.Uid);
        Assert.True(notReady.State is null or CartStates.Error, $"state {notReady.State}");
        Assert.Equal(ErrorCodes.Conflict, notReady.Code);
        Assert.NotEmpty(notReady.Message);
        Assert.Equal(uid, headNotReady.Uid);
        Assert.Equal(uid, fixedCart.Uid);
        Assert.Equal(CartStates.Ready, ready.State);
        Assert.Equal(later, Members(tar.ToArray(), out _)["f/" + missing]);
    }

    [Fact]
    public async Task Purge_DryRunNamesOldCartsAndDeletesNothing_ThenDeletes()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("purge");
        fixture.AddFile(uid + "/p.bin", 100);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [File(uid + "/p.bin")] });
        await ReadyAsync(client, uid);

        var young = await client.PurgeCartsAsync("180d", dryRun: true);
        var dry = await client.PurgeCartsAsync("0s", dryRun: true);
        var stillThere = await client.GetCartAsync(uid);
        var purged = await client.PurgeCartsAsync("0s");
        var bad = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.PurgeCartsAsync("forever"));

        Assert.DoesNotContain(uid, young.Deleted);
        Assert.Contains(uid, dry.Deleted);
        Assert.NotNull(stillThere);
        Assert.Contains(uid, purged.Deleted);
        Assert.Null(await client.GetCartAsync(uid));
        Assert.Contains("forever", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequests_AreRefusedWithTheirReason()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        var badUid = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateCartAsync("a/b", new CreateCartDto { FileIds = [File("x")] }));
        var noFiles = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateCartAsync(Unique("empty"), new CreateCartDto { FileIds = [] }));
        var traversal = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateCartAsync(Unique("dots"), new CreateCartDto { FileIds = [File("x", "../x")] }));
        var noUid = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.GetCartAsync(""));
        var badETag = await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadCartAsync("any", new MemoryStream(), 1, "no quotes"));

        Assert.NotEmpty(badUid.Message);
        Assert.NotEmpty(noFiles.Message);
        Assert.NotEmpty(traversal.Message);
        Assert.NotEmpty(noUid.Message);
        Assert.NotEmpty(badETag.Message);
        Assert.Null(await client.GetCartAsync("no-such-cart"));
        await Assert.ThrowsAsync<NotFoundException>(() => client.FixCartAsync("no-such-cart"));
        await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var unused in client.WatchCartAsync("no-such-cart"))
            {
            }
        });
    }

    /// <summary>Runs an action at each progress report.</summary>
    private sealed class Cut(Action action) : IProgress<long>
    {
        public void Report(long value) => action();
    }

    /// <summary>Collects progress on the caller's thread (<see cref="Progress{T}"/> would post it to the pool, late).</summary>
    private sealed class Collect(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}

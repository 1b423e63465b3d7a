using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.Etcd.Tests;

/// <summary>
/// <see cref="EtcdKeyspaceOptions.Prefix"/>: Cairn's keys live under a namespace, where etcd's own tools find them, and
/// two stores with different prefixes on one etcd (two Cairn clusters) see neither each other's keys nor their events.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdPrefixTests(EtcdBackend etcd)
{
    /// <summary>The prefix the prefixed conformance suites run with.</summary>
    public const string Prefix = "/cairn-test-ns/";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task Keys_AreStoredUnderThePrefix_WhereEtcdctlFindsThem()
    {
        await etcd.EmptyAsync();
        await using var store = await EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: "/cairn/prod/");

        await store.PutAsync(Put("config/a", "1"));
        await store.PutAsync(Put("config/b", "2"));

        var raw = await EtcdctlAsync("get", "--prefix", "");
        Assert.Equal(["/cairn/prod/config/a", "1", "/cairn/prod/config/b", "2"], raw);

        // And back: what etcdctl writes under the prefix is a Cairn key without it.
        await EtcdctlAsync("put", "/cairn/prod/written/by/etcdctl", "3");
        var read = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("written/")));
        Assert.Equal("written/by/etcdctl", Assert.Single(read.Kvs).Key);
    }

    [Fact]
    public async Task TwoPrefixes_OnOneEtcd_SeeNeitherEachOthersKeysNorTheirEvents()
    {
        await etcd.EmptyAsync();
        await using var blue = await EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: "/blue/");
        await using var green = await EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: "/green/");
        using var stop = new CancellationTokenSource(Deadline);

        // From the next revision: the watch sees every change made after this line, however late it starts.
        var from = (await blue.StatusAsync()).Revision + 1;
        var blueEvents = Channel.CreateUnbounded<WatchEvent>();
        var watching = WatchAllAsync(blue, from, blueEvents.Writer, stop.Token);

        await green.PutAsync(Put("same", "green"));
        await green.PutAsync(Put("only-green", "g"));
        await blue.PutAsync(Put("same", "blue"));
        await green.DeleteAsync(new DeleteRequest(KeyRange.All) { PrevKvs = true });
        await blue.PutAsync(Put("marker-1", ""));

        // Blue's watch of everything saw blue's own changes only, in order, up to the last marker.
        var seen = new List<string>();
        while (seen.LastOrDefault() != "marker-1")
        {
            var change = await blueEvents.Reader.ReadAsync(stop.Token);
            seen.Add(change.Kv.Key);
        }

        Assert.Equal(["same", "marker-1"], seen);

        var blueKeys = await blue.RangeAsync(new RangeRequest(KeyRange.All));
        Assert.Equal(["marker-1", "same"], blueKeys.Kvs.Select(kv => kv.Key));
        Assert.Equal("blue", Encoding.UTF8.GetString(blueKeys.Kvs[1].Value.Span));
        Assert.Equal(0, (await green.RangeAsync(new RangeRequest(KeyRange.All) { CountOnly = true })).Count);

        // Green's delete of "everything" left blue's keys alone, and each store counts its own keys only.
        Assert.Equal(2, (await blue.StatusAsync()).KeyCount);
        Assert.Equal(0, (await green.StatusAsync()).KeyCount);

        await stop.CancelAsync();
        await IgnoreCancellationAsync(watching);
    }

    [Fact]
    public async Task RangeToTheEnd_AndFromKey_StopAtTheEndOfThePrefix()
    {
        await etcd.EmptyAsync();
        await using var store = await EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: "/a/");
        await using var raw = await EtcdBackend.ConnectAsync(etcd.Endpoint);

        // Keys just past the namespace ("/a0" follows "/a/" and everything under it) and just before it.
        await raw.PutAsync(Put("/a0", "outside"));
        await raw.PutAsync(Put("/a", "outside"));
        await store.PutAsync(Put("x", "inside"));
        await store.PutAsync(Put("\U0010FFFF", "inside"));

        var fromKey = await store.RangeAsync(new RangeRequest(KeyRange.FromKey("")));
        Assert.Equal(["x", "\U0010FFFF"], fromKey.Kvs.Select(kv => kv.Key));
        var deleted = await store.DeleteAsync(new DeleteRequest(KeyRange.FromKey("y")));
        Assert.Equal(1, deleted.Deleted);
        var left = await raw.RangeAsync(new RangeRequest(KeyRange.Prefix("/a")) { KeysOnly = true });
        Assert.Equal(["/a", "/a/x", "/a0"], left.Kvs.Select(kv => kv.Key));
    }

    [Theory]
    [InlineData("/cairn\0/")]
    [InlineData("\0")]
    public async Task Connect_RefusesAPrefixWithNul_SayingWhatIsAllowed(string prefix)
    {
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: prefix));

        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
        Assert.Contains("/cairn/prod/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_RefusesAPrefixThatIsNotUnicodeText()
    {
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdBackend.ConnectAsync(etcd.Endpoint, prefix: "/cairn/\uD800/"));

        Assert.Contains("etcd prefix", error.Message, StringComparison.Ordinal);
    }

    private static async Task WatchAllAsync(IKeyspace store, long from, ChannelWriter<WatchEvent> events, CancellationToken cancellationToken)
    {
        await foreach (var response in store.WatchAsync(new WatchRequest(KeyRange.All) { StartRevision = from }, cancellationToken))
        {
            foreach (var change in response.Events)
            {
                await events.WriteAsync(change, cancellationToken);
            }
        }
    }

    private static async Task IgnoreCancellationAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // The test stopped the watch.
        }
    }

    // etcdctl 3.4 against the shared etcd; its output lines (key and value alternate for get).
    private async Task<string[]> EtcdctlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add("--endpoints=" + etcd.Endpoint);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start etcdctl.");
        using var deadline = new CancellationTokenSource(Deadline);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"etcdctl {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}");
        }

        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}

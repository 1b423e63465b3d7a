using System.Diagnostics;
using System.Threading.Channels;
using Cairn.Core;
using Cairn.Storage.Etcd;

namespace Cairn.Server.Tests;

/// <summary>
/// Two Cairn nodes on one etcd, under <c>Etcd:Prefix</c>: every key they write is under the prefix, and once they have
/// settled an idle cluster does not write at all (liveness rides on lease keep-alives, which etcd does not count as
/// revisions), so <c>etcdctl watch --prefix /</c> stays quiet.
/// </summary>
/// <remarks>Real time, not a fake clock: the nodes' leases live on etcd's clock, so a fake clock that ran ahead of it
/// would renew them in bursts, and one left standing would let them expire; neither is an idle cluster.</remarks>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdIdleClusterTests(EtcdBackend sharedEtcd) : IAsyncLifetime
{
    private const string Prefix = "/cairn-idle/";

    // Long enough for the start-up writes of two nodes (registration, leader, volume records) on a loaded machine.
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(120);

    // What "settled" means: this long without a write.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(15);

    // The idle period the user watches: every timer of the nodes (TTL/3 keep-alives, 10 s volume reports, 30 s
    // housekeeping) fires several times in it.
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);

    private readonly List<CairnServer> _nodes = [];
    private readonly List<string> _dirs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AnIdleClusterOfTwo_LeavesTheRevisionUnchanged_For60Seconds_AndWritesOnlyUnderItsPrefix()
    {
        await sharedEtcd.EmptyAsync();
        await using var raw = await EtcdBackend.ConnectAsync(sharedEtcd.Endpoint);
        var start = (await raw.StatusAsync()).Revision + 1;

        // Everything written to etcd from before the nodes start, unprefixed: nothing can hide outside the prefix.
        using var stop = new CancellationTokenSource();
        var writes = Channel.CreateUnbounded<(long Revision, string What)>();
        var watching = WatchAsync(raw, start, writes.Writer, stop.Token);

        var a = await StartNodeAsync("A");
        var b = await StartNodeAsync("B");
        using var http = new HttpClient { BaseAddress = new Uri(a.Addresses.First(x => x.StartsWith("http://", StringComparison.Ordinal))), Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.UntilAsync(async () => (await ClusterNodesAsync(http)).Count == 2, TimeSpan.FromSeconds(30), "both nodes are listed");

        // Settled: a quiet spell with no write at all.
        var seen = new List<(long Revision, string What)>();
        var settling = Stopwatch.StartNew();
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            quiet.CancelAfter(Quiet);
            try
            {
                seen.Add(await writes.Reader.ReadAsync(quiet.Token));
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                break;
            }

            Assert.True(
                settling.Elapsed < SettleDeadline,
                $"The nodes kept writing for {SettleDeadline.TotalSeconds:0} s after start; the last writes: {string.Join("; ", seen.TakeLast(10).Select(w => $"{w.Revision} {w.What}"))}");
        }

        Assert.NotEmpty(seen);
        Assert.All(seen, w => Assert.StartsWith(Prefix, w.What[(w.What.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal));
        var settled = (await raw.StatusAsync()).Revision;

        // The idle minute: not one write (the revision a user sees in /v1/status stays put too).
        var during = new List<(long Revision, string What)>();
        using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            idle.CancelAfter(Idle);
            try
            {
                while (true)
                {
                    during.Add(await writes.Reader.ReadAsync(idle.Token));
                }
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // The minute is over.
            }
        }

        Assert.True(during.Count == 0, $"The idle cluster wrote: {string.Join("; ", during.Select(w => $"{w.Revision} {w.What}"))}");
        Assert.Equal(settled, (await raw.StatusAsync()).Revision);
        Assert.Equal(settled, await Http.RevisionAsync(http));
        Assert.Equal(2, (await ClusterNodesAsync(http)).Count);

        await stop.CancelAsync();
        try
        {
            await watching;
        }
        catch (OperationCanceledException)
        {
            // The test stopped the watch.
        }
    }

    private async Task<CairnServer> StartNodeAsync(string nodeId)
    {
        var dir = Directory.CreateTempSubdirectory("cairn-idle-node-").FullName;
        _dirs.Add(dir);
        var node = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Cluster:NodeTtlSeconds"] = "5",
            ["NodeId"] = nodeId,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = sharedEtcd.Endpoint,
            ["Etcd:Prefix"] = Prefix,
            ["Backend:StartTimeout"] = "10",
        });
        _nodes.Add(node);
        return node;
    }

    private static async Task<IReadOnlyList<Cairn.Contracts.ClusterNodeDto>> ClusterNodesAsync(HttpClient http) =>
        (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<Cairn.Contracts.ClusterNodesDto>(http, "/v1/cluster/nodes", Cairn.Contracts.WireJson.Options))!.Nodes;

    private static async Task WatchAsync(EtcdKeyspace raw, long from, ChannelWriter<(long, string)> writes, CancellationToken cancellationToken)
    {
        await foreach (var response in raw.WatchAsync(new WatchRequest(KeyRange.All) { StartRevision = from, ProgressInterval = TimeSpan.Zero }, cancellationToken))
        {
            foreach (var change in response.Events)
            {
                await writes.WriteAsync((response.Revision, $"{change.Type} {change.Kv.Key}"), cancellationToken);
            }
        }
    }
}

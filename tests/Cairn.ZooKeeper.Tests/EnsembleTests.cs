using System.Collections.Concurrent;
using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

/// <summary>A three-server ensemble for the tests of this class, which run one after another.</summary>
public sealed class EnsembleFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync(servers: 3);

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

public sealed class EnsembleTests(EnsembleFixture fixture) : IClassFixture<EnsembleFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(10);
    private readonly string _root = "/ensemble-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<ZooKeeperClient> _clients = [];

    private ZooKeeperEnsemble Ensemble => fixture.Ensemble;

    public async Task InitializeAsync()
    {
        await Ensemble.WaitUntilServingAsync(Patience);
        var admin = await ConnectAsync();
        await admin.CreateAsync(_root, default);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        // The next test gets every member back.
        foreach (var member in Ensemble.Members.Where(m => !m.IsRunning))
        {
            await member.StartAgainAsync(Patience);
        }
    }

    [Fact]
    public async Task KillingTheConnectedServer_KeepsTheSession_AndEveryAcknowledgedWrite()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        var session = zk.SessionId;
        var acknowledged = new ConcurrentBag<string>();
        var unknown = new ConcurrentBag<string>();
        var acknowledgedAfterKill = 0;
        var killed = false;
        using var stop = new CancellationTokenSource();

        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var path = $"{_root}/w{w:D2}-{n:D5}";
                try
                {
                    await zk.CreateAsync(path, BitConverter.GetBytes(n));
                    acknowledged.Add(path);
                    if (Volatile.Read(ref killed))
                    {
                        Interlocked.Increment(ref acknowledgedAfterKill);
                    }
                }
                catch (ConnectionLossException)
                {
                    unknown.Add(path); // may or may not be there; the writer carries on with the next
                }
            }
        })).ToList();

        await Eventually.UntilAsync(() => acknowledged.Count >= 200, Patience, "the writers have written");
        var victim = Ensemble.MemberAt(zk.ConnectedServer) ?? throw new InvalidOperationException($"Connected to {zk.ConnectedServer}, not a member.");
        victim.Kill();
        Volatile.Write(ref killed, true);
        await Eventually.UntilAsync(() => Volatile.Read(ref acknowledgedAfterKill) >= 200, SessionTimeout + Patience, "the writers carry on through another server");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Equal(session, zk.SessionId);
        Assert.Equal(ZooKeeperState.Connected, zk.State);
        Assert.NotEqual(victim.ConnectString, zk.ConnectedServer);
        Assert.Contains(log.Events, e => e is { Kind: WatchEventKind.None, State: ZooKeeperState.Disconnected });
        Assert.DoesNotContain(log.Events, e => e.State is ZooKeeperState.Expired);
        var reader = await ConnectAsync();
        await reader.SyncAsync(_root);
        var present = (await reader.GetChildrenAsync(_root)).Children.Select(c => _root + "/" + c).ToHashSet();
        var lostAcknowledged = acknowledged.Where(p => !present.Contains(p)).ToList();
        var neverWritten = present.Where(p => !acknowledged.Contains(p) && !unknown.Contains(p)).ToList();
        Assert.True(lostAcknowledged.Count == 0, $"acknowledged but missing: {string.Join(", ", lostAcknowledged)}");
        Assert.True(neverWritten.Count == 0, $"present but never written: {string.Join(", ", neverWritten)}");
    }

    [Fact]
    public async Task WatchesSetBeforeTheConnectedServerDies_FireAfterTheReconnect()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.CreateAsync(_root + "/data", default);
        await zk.GetDataAsync(_root + "/data", watch: true);
        await zk.ExistsAsync(_root + "/later", watch: true);
        await zk.GetChildrenAsync(_root, watch: true);
        await zk.AddWatchAsync(_root + "/tree", AddWatchMode.PersistentRecursive);
        await zk.AddWatchAsync(_root + "/data", AddWatchMode.Persistent);
        var victim = Ensemble.MemberAt(zk.ConnectedServer)!;

        victim.Kill();
        await log.WaitForStateAsync(ZooKeeperState.Disconnected, Patience);
        await log.WaitForAsync(events => events[^1] is { Kind: WatchEventKind.None, State: ZooKeeperState.Connected }, "the client reconnects", SessionTimeout + Patience);
        var changer = await ConnectAsync(Ensemble.Members.First(m => m != victim && m.IsRunning).ConnectString);
        await changer.SetDataAsync(_root + "/data", Bytes("1"));
        await changer.CreateAsync(_root + "/later", default);
        await changer.CreateAsync(_root + "/tree", default);
        await changer.CreateAsync(_root + "/tree/leaf", default);
        await changer.SetDataAsync(_root + "/data", Bytes("2"));

        await log.WaitForAsync(
            events => events.Count(e => e is { Kind: WatchEventKind.NodeDataChanged } && e.Path == _root + "/data") >= 2
                && events.Any(e => e.Kind == WatchEventKind.NodeCreated && e.Path == _root + "/later")
                && events.Any(e => e.Kind == WatchEventKind.NodeChildrenChanged && e.Path == _root)
                && events.Any(e => e.Kind == WatchEventKind.NodeCreated && e.Path == _root + "/tree/leaf"),
            "the one-shot and persistent watches set before the kill fire");
    }

    [Fact]
    public async Task PausedServer_IsLeft_ForAnotherWithinTheSessionTimeout()
    {
        // On a follower: a paused leader would also cost an election, which is not what this is about.
        var zk = await ConnectAsync(TimeSpan.FromSeconds(6));
        for (var attempt = 0; await Ensemble.MemberAt(zk.ConnectedServer)!.ModeAsync() != "follower" && attempt < 30; attempt++)
        {
            zk = await ConnectAsync(TimeSpan.FromSeconds(6));
        }

        var log = new EventLog(zk);
        var session = zk.SessionId;
        var victim = Ensemble.MemberAt(zk.ConnectedServer)!;

        victim.Pause();
        try
        {
            await log.WaitForAsync(events => events.Any(e => e.State == ZooKeeperState.Disconnected)
                && events[^1] is { Kind: WatchEventKind.None, State: ZooKeeperState.Connected }, "the client moves to another server", Patience);
            await zk.CreateAsync(_root + "/after-pause", default);
        }
        finally
        {
            victim.Resume();
        }

        Assert.Equal(session, zk.SessionId);
        Assert.NotEqual(victim.ConnectString, zk.ConnectedServer);
    }

    private async Task<ZooKeeperClient> ConnectAsync(TimeSpan? sessionTimeout = null) =>
        await ConnectAsync(Ensemble.ConnectString, sessionTimeout);

    private async Task<ZooKeeperClient> ConnectAsync(string connectString, TimeSpan? sessionTimeout = null)
    {
        var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = connectString,
            SessionTimeout = sessionTimeout ?? SessionTimeout,
            ConnectTimeout = Patience,
        });
        _clients.Add(client);
        return client;
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}

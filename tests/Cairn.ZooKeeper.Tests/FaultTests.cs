using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

// Network faults between a client and the shared server, through a TcpProxy.
public sealed class FaultTests : ZooKeeperTest
{
    private TcpProxy? _proxy;

    private TcpProxy Proxy => _proxy ?? throw new InvalidOperationException("Not initialised.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _proxy = await TcpProxy.StartAsync("127.0.0.1", Server.Member(0).ClientPort);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task LostReply_FailsWithConnectionLoss_AndTheCreateWasDoneOnce()
    {
        // A long session: no ping goes out between arming the proxy and the create.
        var zk = await ConnectAsync(Proxy.Endpoint, o => o with { SessionTimeout = TimeSpan.FromSeconds(30) });
        var session = zk.SessionId;
        await zk.CreateAsync(Root + "/jobs", default);

        Proxy.DropAfterNextClientFrame();
        var lost = await Assert.ThrowsAsync<ConnectionLossException>(() => zk.CreateAsync(Root + "/jobs/job-", Bytes("once"), CreateMode.PersistentSequential));

        Assert.Equal(Root + "/jobs/job-", lost.Path);
        Assert.Contains("may or may not have applied", lost.Message);
        var children = await zk.GetChildrenAsync(Root + "/jobs"); // waits for the reconnect
        Assert.Equal(["job-0000000000"], children.Children);
        Assert.Equal(session, zk.SessionId);
        Assert.Equal(2, Proxy.Accepted);
    }

    [Fact]
    public async Task RequestsMadeWhileDisconnected_WaitForTheReconnect_AndTheSessionCarriesOn()
    {
        var zk = await ConnectAsync(Proxy.Endpoint, o => o with { SessionTimeout = TimeSpan.FromSeconds(20) });
        var log = new EventLog(zk);
        var session = zk.SessionId;
        await zk.CreateAsync(Root + "/eph", Bytes("kept"), CreateMode.Ephemeral);

        Proxy.Blackhole(true);
        Proxy.DropAll();
        await log.WaitForStateAsync(ZooKeeperState.Disconnected);
        var read = zk.GetDataAsync(Root + "/eph");
        var write = zk.SetDataAsync(Root + "/eph", Bytes("after"));
        await Task.WhenAny(read, Task.Delay(200)); // a moment to be sure they wait rather than fail
        Assert.False(read.IsCompleted);
        Proxy.Blackhole(false);

        Assert.Equal("kept", Text((await read).Data));
        Assert.Equal(1, (await write).Version);
        Assert.Equal(session, zk.SessionId);
        Assert.Equal(ZooKeeperState.Connected, zk.State);
        Assert.Equal(
            [ZooKeeperState.Disconnected, ZooKeeperState.Connected],
            log.Events.Where(e => e.Kind == WatchEventKind.None).Select(e => e.State));
    }

    [Fact]
    public async Task SilentServer_ExpiresTheSession_AndTheClientSaysSo()
    {
        var zk = await ConnectAsync(Proxy.Endpoint, o => o with { SessionTimeout = TimeSpan.FromSeconds(2) });
        var observer = await ConnectAsync();
        var log = new EventLog(zk);
        var session = zk.SessionId;
        await zk.CreateAsync(Root + "/eph", default, CreateMode.Ephemeral);

        Proxy.Blackhole(true);
        await log.WaitForStateAsync(ZooKeeperState.Expired);
        Proxy.Blackhole(false);

        Assert.Equal(ZooKeeperState.Expired, zk.State);
        Assert.Equal(
            [ZooKeeperState.Disconnected, ZooKeeperState.Expired],
            log.Events.Where(e => e.Kind == WatchEventKind.None).Select(e => e.State));
        var expired = await Assert.ThrowsAsync<SessionExpiredException>(() => zk.GetDataAsync(Root));
        Assert.Equal(Root, expired.Path);
        Assert.Equal(session, zk.SessionId);
        await Eventually.UntilAsync(async () => await observer.ExistsAsync(Root + "/eph") is null, Patience, "the server expires the session and its ephemeral");
    }

    [Fact]
    public async Task ReconnectToAnEndedSession_IsToldItExpired()
    {
        var zk = await ConnectAsync(Proxy.Endpoint, o => o with { SessionTimeout = TimeSpan.FromSeconds(30) });
        var log = new EventLog(zk);
        var pending = zk.GetDataAsync(Root); // answered before the fault

        // While the client cannot reach the server, another client takes the session over and closes it; when the
        // client gets through again, the server answers its reconnect with "expired".
        await pending;
        Proxy.Blackhole(true);
        var usurper = await ConnectAsync(configure: o => o with { SessionId = zk.SessionId, SessionPassword = zk.SessionPassword });
        Assert.Equal(zk.SessionId, usurper.SessionId);
        await usurper.DisposeAsync();
        Proxy.Blackhole(false);

        await log.WaitForStateAsync(ZooKeeperState.Expired);
        await Assert.ThrowsAsync<SessionExpiredException>(() => zk.ExistsAsync(Root));
        var ended = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ConnectAsync(configure: o => o with { SessionId = zk.SessionId, SessionPassword = zk.SessionPassword }));
        Assert.Contains("has ended", ended.Message);
    }

    [Fact]
    public async Task WatchesOverAMegabyte_AreSetAgainAfterAReconnect_InSeveralFrames()
    {
        // 3,000 data watches with 300-character names: over the server's 1 MiB request limit in one setWatches frame.
        var zk = await ConnectAsync(Proxy.Endpoint, o => o with { SessionTimeout = TimeSpan.FromSeconds(20) });
        var changer = await ConnectAsync();
        var log = new EventLog(zk);
        var parent = Root + "/setwatches-split-" + Guid.NewGuid().ToString("N");
        await zk.CreateAsync(parent, default);
        var paths = Enumerable.Range(0, 3000).Select(i => $"{parent}/{i:D4}{new string('w', 296)}").ToList();
        Assert.True(paths.Sum(p => p.Length) > 1024 * 1024);
        await Task.WhenAll(paths.Select(p => zk.CreateAsync(p, default)));
        await Task.WhenAll(paths.Select(p => zk.GetDataAsync(p, watch: true)));
        var session = zk.SessionId;

        Proxy.DropAll();
        await log.WaitForStateAsync(ZooKeeperState.Disconnected);
        await log.WaitForStateAsync(ZooKeeperState.Connected);
        await zk.SyncAsync(parent); // answered after the setWatches frames
        await Task.WhenAll(paths.Select(p => changer.SetDataAsync(p, Bytes("changed"))));

        await log.WaitForAsync(events => events.Count(e => e.Kind == WatchEventKind.NodeDataChanged) == paths.Count, "every watch fires", Patience);
        Assert.Equal(paths.Order(), log.Events.Where(e => e.Kind == WatchEventKind.NodeDataChanged).Select(e => e.Path!).Order());
        Assert.Equal(session, zk.SessionId);
    }
}

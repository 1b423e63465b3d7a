namespace Cairn.ZooKeeper.Tests;

public sealed class WatchTests : ZooKeeperTest
{
    [Fact]
    public async Task DataWatch_FiresOnce_ForTheNextChange()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.CreateAsync(Root + "/d", default);

        await zk.GetDataAsync(Root + "/d", watch: true);
        await zk.SetDataAsync(Root + "/d", Bytes("1"));
        await zk.SetDataAsync(Root + "/d", Bytes("2"));
        await FenceAsync(zk, log);

        Assert.Equal([new WatchedEvent(WatchEventKind.NodeDataChanged, ZooKeeperState.Connected, Root + "/d")], log.For(Root + "/d"));
    }

    [Fact]
    public async Task ExistsWatch_OnAMissingNode_FiresOnItsCreation()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);

        Assert.Null(await zk.ExistsAsync(Root + "/later", watch: true));
        await zk.CreateAsync(Root + "/later", default);

        await log.WaitForAsync(WatchEventKind.NodeCreated, Root + "/later");
    }

    [Fact]
    public async Task ChildWatch_FiresOnANewChild_AndDataWatch_OnDeletion()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.CreateAsync(Root + "/p", default);

        await zk.GetChildrenAsync(Root + "/p", watch: true);
        await zk.CreateAsync(Root + "/p/c", default);
        await log.WaitForAsync(WatchEventKind.NodeChildrenChanged, Root + "/p");

        await zk.ExistsAsync(Root + "/p/c", watch: true);
        await zk.DeleteAsync(Root + "/p/c");
        await log.WaitForAsync(WatchEventKind.NodeDeleted, Root + "/p/c");
    }

    [Fact]
    public async Task PersistentWatch_FiresForEveryChangeOfTheNode()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);

        await zk.AddWatchAsync(Root + "/pw", AddWatchMode.Persistent);
        await zk.CreateAsync(Root + "/pw", default);
        await zk.SetDataAsync(Root + "/pw", Bytes("1"));
        await zk.SetDataAsync(Root + "/pw", Bytes("2"));
        await zk.CreateAsync(Root + "/pw/child", default);
        await zk.SetDataAsync(Root + "/pw/child", Bytes("not watched"));
        await FenceAsync(zk, log);

        Assert.Equal(
            [WatchEventKind.NodeCreated, WatchEventKind.NodeDataChanged, WatchEventKind.NodeDataChanged, WatchEventKind.NodeChildrenChanged],
            log.For(Root + "/pw").Select(e => e.Kind));
        Assert.All(log.For(Root + "/pw"), e => Assert.Equal(Root + "/pw", e.Path));
    }

    [Fact]
    public async Task PersistentRecursiveWatch_FiresForTheNodeAndEverythingBelow()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.CreateAsync(Root + "/tree", default);

        await zk.AddWatchAsync(Root + "/tree", AddWatchMode.PersistentRecursive);
        await zk.CreateAsync(Root + "/tree/a", default);
        await zk.CreateAsync(Root + "/tree/a/b", default);
        await zk.SetDataAsync(Root + "/tree/a/b", Bytes("x"));
        await zk.DeleteAsync(Root + "/tree/a/b");
        await zk.SetDataAsync(Root + "/tree", Bytes("y"));
        await FenceAsync(zk, log);

        Assert.Equal(
        [
            (WatchEventKind.NodeCreated, Root + "/tree/a"),
            (WatchEventKind.NodeCreated, Root + "/tree/a/b"),
            (WatchEventKind.NodeDataChanged, Root + "/tree/a/b"),
            (WatchEventKind.NodeDeleted, Root + "/tree/a/b"),
            (WatchEventKind.NodeDataChanged, Root + "/tree"),
        ], log.For(Root + "/tree").Select(e => (e.Kind, e.Path!)));
    }

    [Fact]
    public async Task RemoveWatches_StopsTheWatch_AndReportsItsRemoval()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.CreateAsync(Root + "/r", default);
        await zk.GetDataAsync(Root + "/r", watch: true);
        await zk.GetChildrenAsync(Root + "/r", watch: true);

        await zk.RemoveWatchesAsync(Root + "/r", WatcherType.Data);
        await zk.SetDataAsync(Root + "/r", Bytes("unwatched"));
        await zk.RemoveWatchesAsync(Root + "/r", WatcherType.Children);
        await zk.CreateAsync(Root + "/r/c", default);
        await FenceAsync(zk, log);

        Assert.Equal([WatchEventKind.DataWatchRemoved, WatchEventKind.ChildWatchRemoved], log.For(Root + "/r").Select(e => e.Kind));
        var none = await Assert.ThrowsAsync<NoWatcherException>(() => zk.RemoveWatchesAsync(Root + "/r", WatcherType.Any));
        Assert.Equal(Root + "/r", none.Path);
    }

    [Fact]
    public async Task RemoveWatchesAny_RemovesAPersistentWatch()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.AddWatchAsync(Root + "/gone", AddWatchMode.PersistentRecursive);

        await zk.RemoveWatchesAsync(Root + "/gone", WatcherType.Any);
        await zk.CreateAsync(Root + "/gone", default);
        await FenceAsync(zk, log);

        Assert.Equal([WatchEventKind.PersistentWatchRemoved], log.For(Root + "/gone").Select(e => e.Kind));
    }

    [Fact]
    public async Task AHandlerThatThrows_DoesNotStopLaterEvents()
    {
        var zk = await ConnectAsync();
        zk.Watched += _ => throw new InvalidOperationException("a careless handler");
        var log = new EventLog(zk);

        await zk.ExistsAsync(Root + "/one", watch: true);
        await zk.ExistsAsync(Root + "/two", watch: true);
        await zk.CreateAsync(Root + "/one", default);
        await zk.CreateAsync(Root + "/two", default);

        await log.WaitForAsync(WatchEventKind.NodeCreated, Root + "/two");
        Assert.Equal([Root + "/one", Root + "/two"], log.For(Root).Select(e => e.Path!));
    }

    [Fact]
    public async Task Dispose_ReportsClosedLast()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);
        await zk.ExistsAsync(Root + "/x", watch: true);

        await zk.DisposeAsync();

        Assert.Equal(new WatchedEvent(WatchEventKind.None, ZooKeeperState.Closed, null), log.Events[^1]);
        Assert.Equal(ZooKeeperState.Closed, zk.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => zk.ExistsAsync(Root));
    }

    // Events come in order: once the fence's event is in, every event caused before it is too.
    private async Task FenceAsync(ZooKeeperClient zk, EventLog log)
    {
        var fence = Root + "/fence-" + Guid.NewGuid().ToString("N")[..8];
        await zk.ExistsAsync(fence, watch: true);
        await zk.CreateAsync(fence, default);
        await log.WaitForAsync(WatchEventKind.NodeCreated, fence);
    }
}

namespace Cairn.ZooKeeper.Tests;

public sealed class PipeliningTests : ZooKeeperTest
{
    [Fact]
    public async Task HundredRequestsIssuedWithoutAwaiting_AreAnsweredInOrder_AndReadTheirOwnWrites()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/n", Bytes("start"));

        var writes = new List<Task<Stat>>();
        var reads = new List<Task<NodeData>>();
        for (var i = 0; i < 50; i++)
        {
            writes.Add(zk.SetDataAsync(Root + "/n", Bytes($"v{i}")));
            reads.Add(zk.GetDataAsync(Root + "/n"));
        }

        await Task.WhenAll(writes.Cast<Task>().Concat(reads));

        Assert.Equal(Enumerable.Range(1, 50), writes.Select(w => w.Result.Version));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"v{i}"), reads.Select(r => Text(r.Result.Data)));
    }

    [Fact]
    public async Task SyncThenGetData_WithoutAwaitingTheSync_ReadsAfterIt()
    {
        var writer = await ConnectAsync();
        var reader = await ConnectAsync();
        await writer.CreateAsync(Root + "/s", default);
        await writer.SetDataAsync(Root + "/s", Bytes("written elsewhere"));

        var sync = reader.SyncAsync(Root + "/s");
        var read = await reader.GetDataAsync(Root + "/s");

        Assert.True(sync.IsCompletedSuccessfully); // answered (in order) before the read
        Assert.Equal("written elsewhere", Text(read.Data));
    }

    [Fact]
    public async Task Xids_WrapFromIntMaxValueToOne()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/w", default);

        zk.SetNextXid(int.MaxValue - 5);
        for (var i = 0; i < 10; i++)
        {
            await zk.SetDataAsync(Root + "/w", Bytes($"{i}"));
        }

        var pipelined = Enumerable.Range(0, 10).Select(i => zk.CreateAsync(Root + $"/w/{i}", default)).ToList();
        await Task.WhenAll(pipelined);

        Assert.Equal(10, (await zk.GetDataAsync(Root + "/w")).Stat.Version);
        Assert.Equal(10, (await zk.GetChildrenAsync(Root + "/w")).Children.Count);
        Assert.Equal(ZooKeeperState.Connected, zk.State);
    }

    [Fact]
    public async Task CancelledRequest_AbandonsOnlyTheWait_AndLaterRepliesStillMatch()
    {
        var zk = await ConnectAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var abandoned = zk.CreateAsync(Root + "/c", Bytes("made anyway"), cancellationToken: cancelled.Token);
        var next = zk.GetDataAsync(Root + "/c");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal("made anyway", Text((await next).Data)); // the create was sent first, and its reply matched and dropped
        Assert.Equal(ZooKeeperState.Connected, zk.State);
    }
}

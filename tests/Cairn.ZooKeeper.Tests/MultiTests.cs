namespace Cairn.ZooKeeper.Tests;

public sealed class MultiTests : ZooKeeperTest
{
    [Fact]
    public async Task Multi_AppliesEveryOp_AndReportsEachResultInOrder()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/old", default);

        var result = await zk.MultiAsync(
        [
            Op.Create(Root + "/a", Bytes("a")),
            Op.Create(Root + "/seq-", default, CreateMode.PersistentSequential),
            Op.SetData(Root + "/a", Bytes("b"), version: 0),
            Op.Check(Root + "/a", 1),
            Op.Delete(Root + "/old"),
            Op.Create(Root + "/box", default, CreateMode.Container),
        ]);

        Assert.True(result.Succeeded);
        result.ThrowIfFailed();
        Assert.Equal(new CreateOpResult(Root + "/a"), result.Results[0]);
        Assert.Matches("/seq-[0-9]{10}$", Assert.IsType<CreateOpResult>(result.Results[1]).Path);
        Assert.Equal(1, Assert.IsType<SetDataOpResult>(result.Results[2]).Stat.Version);
        Assert.IsType<CheckOpResult>(result.Results[3]);
        Assert.IsType<DeleteOpResult>(result.Results[4]);
        Assert.Equal(new CreateOpResult(Root + "/box"), result.Results[5]);
        Assert.Equal("b", Text((await zk.GetDataAsync(Root + "/a")).Data));
        Assert.Null(await zk.ExistsAsync(Root + "/old"));
    }

    [Fact]
    public async Task FailedMulti_IsAResult_NamingTheFailingOp_AndAppliesNothing()
    {
        var zk = await ConnectAsync();

        var result = await zk.MultiAsync(
        [
            Op.Create(Root + "/x", default),
            Op.Delete(Root + "/missing"),
            Op.Create(Root + "/y", default),
        ]);

        Assert.False(result.Succeeded);
        Assert.Equal(
            [ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.RuntimeInconsistency],
            result.Results.Select(r => Assert.IsType<ErrorOpResult>(r).Code));
        var thrown = Assert.Throws<NoNodeException>(result.ThrowIfFailed);
        Assert.Equal(Root + "/missing", thrown.Path);
        Assert.Null(await zk.ExistsAsync(Root + "/x"));
        Assert.Null(await zk.ExistsAsync(Root + "/y"));
    }

    [Fact]
    public async Task FailedCheck_FailsTheMulti_WithBadVersion()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/guard", default);

        var result = await zk.MultiAsync([Op.Check(Root + "/guard", 7), Op.SetData(Root + "/guard", Bytes("no"))]);

        Assert.False(result.Succeeded);
        Assert.Throws<BadVersionException>(result.ThrowIfFailed);
        Assert.Empty((await zk.GetDataAsync(Root + "/guard")).Data);
    }

    [Fact]
    public async Task EmptyMulti_SucceedsWithNoResults()
    {
        var zk = await ConnectAsync();

        var result = await zk.MultiAsync([]);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Results);
    }

    [Fact]
    public void TtlCreates_AreRefusedInAMulti()
    {
        Assert.Throws<ArgumentException>(() => Op.Create(Root + "/t", default, CreateMode.PersistentWithTtl));
    }
}

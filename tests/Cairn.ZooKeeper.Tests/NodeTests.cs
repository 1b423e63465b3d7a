using System.Text.RegularExpressions;
using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

public sealed class NodeTests : ZooKeeperTest
{
    [Fact]
    public async Task Create_ThenGetData_ReadsTheDataAndAFreshStat()
    {
        var zk = await ConnectAsync();

        var created = await zk.CreateAsync(Root + "/a", Bytes("hello"));
        var node = await zk.GetDataAsync(Root + "/a");

        Assert.Equal(Root + "/a", created);
        Assert.Equal("hello", Text(node.Data));
        Assert.Equal(0, node.Stat.Version);
        Assert.Equal(5, node.Stat.DataLength);
        Assert.Equal(0, node.Stat.EphemeralOwner);
        Assert.Equal(node.Stat.Czxid, node.Stat.Mzxid);
    }

    [Fact]
    public async Task EmptyData_IsReadBackEmpty()
    {
        var zk = await ConnectAsync();

        await zk.CreateAsync(Root + "/empty", ReadOnlyMemory<byte>.Empty);

        Assert.Empty((await zk.GetDataAsync(Root + "/empty")).Data);
    }

    [Fact]
    public async Task SequentialCreates_AppendATenDigitCounter_ThatGrows()
    {
        var zk = await ConnectAsync();

        var first = await zk.CreateAsync(Root + "/job-", default, CreateMode.PersistentSequential);
        var second = await zk.CreateAsync(Root + "/job-", default, CreateMode.EphemeralSequential);
        var bare = await zk.CreateAsync(Root + "/", default, CreateMode.PersistentSequential);

        Assert.Equal(Root + "/job-0000000000", first);
        Assert.Equal(Root + "/job-0000000001", second);
        Assert.Matches(new Regex("^" + Regex.Escape(Root) + "/[0-9]{10}$"), bare);
    }

    [Fact]
    public async Task EphemeralNodes_BelongToTheSession_AndGoWhenItCloses()
    {
        var owner = await ConnectAsync();
        var other = await ConnectAsync();
        await owner.CreateAsync(Root + "/eph", default, CreateMode.Ephemeral);
        var sequential = await owner.CreateAsync(Root + "/eph-", default, CreateMode.EphemeralSequential);
        Assert.Equal(owner.SessionId, (await other.ExistsAsync(Root + "/eph"))!.EphemeralOwner);

        await owner.DisposeAsync();

        Assert.Null(await other.ExistsAsync(Root + "/eph"));
        Assert.Null(await other.ExistsAsync(sequential));
        Assert.NotNull(await other.ExistsAsync(Root));
    }

    [Fact]
    public async Task ContainerNode_IsDeletedByTheServer_OnceItsLastChildIsGone()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/box", default, CreateMode.Container);
        await zk.CreateAsync(Root + "/box/item", default);
        Assert.Equal(0, (await zk.ExistsAsync(Root + "/box"))!.EphemeralOwner); // the server keeps its container marker to itself

        await zk.DeleteAsync(Root + "/box/item");

        await Eventually.UntilAsync(async () => await zk.ExistsAsync(Root + "/box") is null, Patience, "the empty container is deleted");
    }

    [Fact]
    public async Task TtlNode_IsDeletedByTheServer_AfterItsTtl()
    {
        var zk = await ConnectAsync();

        var created = await zk.CreateAsync(Root + "/ttl", Bytes("x"), CreateMode.PersistentWithTtl, ttl: 300);
        var sequential = await zk.CreateAsync(Root + "/ttl-", default, CreateMode.PersistentSequentialWithTtl, ttl: 300);

        Assert.Equal(Root + "/ttl", created);
        Assert.Matches("/ttl-[0-9]{10}$", sequential);
        await Eventually.UntilAsync(async () => await zk.ExistsAsync(created) is null && await zk.ExistsAsync(sequential) is null, Patience, "the TTL nodes are deleted");
    }

    [Fact]
    public async Task Ttl_MustFitTheMode()
    {
        var zk = await ConnectAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = zk.CreateAsync(Root + "/x", default, CreateMode.Persistent, ttl: 1000); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = zk.CreateAsync(Root + "/x", default, CreateMode.PersistentWithTtl); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = zk.CreateAsync(Root + "/x", default, CreateMode.PersistentWithTtl, ttl: 1L << 41); });
        Assert.Null(await zk.ExistsAsync(Root + "/x"));
    }

    [Fact]
    public async Task SetData_WithTheRightVersion_Succeeds_AndWithAStaleOne_FailsWithBadVersion()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/v", Bytes("0"));

        var stat = await zk.SetDataAsync(Root + "/v", Bytes("1"), version: 0);
        var stale = await Assert.ThrowsAsync<BadVersionException>(() => zk.SetDataAsync(Root + "/v", Bytes("2"), version: 0));
        var any = await zk.SetDataAsync(Root + "/v", Bytes("3"));

        Assert.Equal(1, stat.Version);
        Assert.Equal(ZooKeeperErrorCode.BadVersion, stale.Code);
        Assert.Equal(Root + "/v", stale.Path);
        Assert.Equal(2, any.Version);
        Assert.Equal("3", Text((await zk.GetDataAsync(Root + "/v")).Data));
    }

    [Fact]
    public async Task Delete_RemovesTheNode_WhenItsVersionMatches()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/d", default);
        await zk.SetDataAsync(Root + "/d", Bytes("x"));

        await Assert.ThrowsAsync<BadVersionException>(() => zk.DeleteAsync(Root + "/d", version: 0));
        await zk.DeleteAsync(Root + "/d", version: 1);

        Assert.Null(await zk.ExistsAsync(Root + "/d"));
    }

    [Fact]
    public async Task ServerErrors_AreTypedExceptions_NamingThePath()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/parent", default);
        await zk.CreateAsync(Root + "/parent/child", default);
        await zk.CreateAsync(Root + "/eph", default, CreateMode.Ephemeral);

        var noNode = await Assert.ThrowsAsync<NoNodeException>(() => zk.GetDataAsync(Root + "/missing"));
        var noParent = await Assert.ThrowsAsync<NoNodeException>(() => zk.CreateAsync(Root + "/missing/child", default));
        var exists = await Assert.ThrowsAsync<NodeExistsException>(() => zk.CreateAsync(Root + "/parent", default));
        var notEmpty = await Assert.ThrowsAsync<NotEmptyException>(() => zk.DeleteAsync(Root + "/parent"));
        var ephemeral = await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(() => zk.CreateAsync(Root + "/eph/child", default));
        await Assert.ThrowsAsync<NoNodeException>(() => zk.DeleteAsync(Root + "/missing"));
        await Assert.ThrowsAsync<NoNodeException>(() => zk.SetDataAsync(Root + "/missing", default));
        await Assert.ThrowsAsync<NoNodeException>(() => zk.GetChildrenAsync(Root + "/missing"));

        Assert.Equal(Root + "/missing", noNode.Path);
        Assert.Equal(Root + "/missing/child", noParent.Path);
        Assert.Equal(ZooKeeperErrorCode.NodeExists, exists.Code);
        Assert.Contains(Root + "/parent", notEmpty.Message);
        Assert.Equal(ZooKeeperErrorCode.NoChildrenForEphemerals, ephemeral.Code);
    }

    [Fact]
    public async Task Exists_ReturnsTheStat_OrNullForAMissingNode()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/here", Bytes("abc"));

        Assert.Equal(3, (await zk.ExistsAsync(Root + "/here"))!.DataLength);
        Assert.Null(await zk.ExistsAsync(Root + "/nowhere"));
    }

    [Fact]
    public async Task GetChildren_ListsTheNames_WithTheParentsStat()
    {
        var zk = await ConnectAsync();
        await zk.CreateAsync(Root + "/p", default);
        foreach (var name in new[] { "c", "a", "b" })
        {
            await zk.CreateAsync(Root + "/p/" + name, default);
        }

        var children = await zk.GetChildrenAsync(Root + "/p");

        Assert.Equal(["a", "b", "c"], children.Children.Order());
        Assert.Equal(3, children.Stat.NumChildren);
        Assert.Equal(3, children.Stat.Cversion);
    }

    [Fact]
    public async Task ReplyOverMaxReplyBytes_FailsItsRequest_AndTheConnectionCarriesOn()
    {
        var writer = await ConnectAsync();
        var zk = await ConnectAsync(configure: o => o with { MaxReplyBytes = 4096 });
        var log = new EventLog(zk);
        await writer.CreateAsync(Root + "/big", new byte[8000]);
        await writer.CreateAsync(Root + "/small", Bytes("fits"));

        var tooBig = zk.GetDataAsync(Root + "/big");
        var next = zk.GetDataAsync(Root + "/small");

        var error = await Assert.ThrowsAsync<MarshallingErrorException>(() => tooBig);
        Assert.Contains("MaxReplyBytes (4096)", error.Message);
        Assert.Equal("fits", Text((await next).Data));
        Assert.Equal(ZooKeeperState.Connected, zk.State);
        Assert.DoesNotContain(log.Events, e => e.State == ZooKeeperState.Disconnected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative")]
    [InlineData("/trailing/")]
    [InlineData("/double//slash")]
    [InlineData("/dot/./x")]
    [InlineData("/dotdot/../x")]
    [InlineData("/dot/.")]
    [InlineData("/nul\0char")]
    [InlineData("/control\u0001char")]
    [InlineData("/surrogate\ud800")]
    public async Task InvalidPaths_AreRefusedBeforeSending(string path)
    {
        var zk = await ConnectAsync();

        var error = Assert.Throws<ArgumentException>(() => { _ = zk.GetDataAsync(path); });

        Assert.Contains("Invalid ZooKeeper path", error.Message);
        Assert.Throws<ArgumentException>(() => { _ = zk.CreateAsync(path, default); });
        Assert.Throws<ArgumentException>(() => Op.Delete(path));
    }

    [Fact]
    public async Task PathsWithDotsInNames_AreValid()
    {
        var zk = await ConnectAsync();

        await zk.CreateAsync(Root + "/.hidden", default);
        await zk.CreateAsync(Root + "/a..b", default);
        await zk.CreateAsync(Root + "/...", default);

        Assert.Equal(3, (await zk.GetChildrenAsync(Root)).Children.Count);
    }

    [Fact]
    public void EveryErrorCode_HasItsOwnExceptionType()
    {
        foreach (var code in Enum.GetValues<ZooKeeperErrorCode>().Where(c => c != ZooKeeperErrorCode.Ok))
        {
            var exception = ZooKeeperException.Create(code, "/p");

            Assert.Equal(code + "Exception", exception.GetType().Name);
            Assert.True(exception.GetType().IsSealed);
            Assert.Equal(code, exception.Code);
            Assert.Equal("/p", exception.Path);
            Assert.DoesNotContain('\n', exception.Message);
        }

        Assert.Equal(typeof(ZooKeeperException), ZooKeeperException.Create((ZooKeeperErrorCode)(-999)).GetType());
    }
}

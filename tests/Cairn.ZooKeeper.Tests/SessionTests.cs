using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.ZooKeeper.Tests;

public sealed class SessionTests : ZooKeeperTest
{
    [Fact]
    public async Task Connect_NegotiatesTheSession()
    {
        var zk = await ConnectAsync(configure: o => o with { SessionTimeout = TimeSpan.FromSeconds(4) });

        Assert.NotEqual(0, zk.SessionId);
        Assert.Equal(16, zk.SessionPassword.Length);
        Assert.Equal(TimeSpan.FromSeconds(4), zk.NegotiatedSessionTimeout);
        Assert.Equal(ZooKeeperState.Connected, zk.State);
        Assert.Equal(Server.ConnectString, zk.ConnectedServer);
    }

    [Fact]
    public async Task SessionTimeout_IsBoundedByTheServer()
    {
        var zk = await ConnectAsync(configure: o => o with { SessionTimeout = TimeSpan.FromMilliseconds(100) });

        Assert.Equal(TimeSpan.FromSeconds(1), zk.NegotiatedSessionTimeout); // 2 ticks of 500 ms
    }

    [Fact]
    public async Task GetEphemerals_ListsThisSessionsEphemerals_UnderThePrefix()
    {
        var zk = await ConnectAsync();
        var other = await ConnectAsync();
        await zk.CreateAsync(Root + "/a", default);
        await zk.CreateAsync(Root + "/a/e1", default, CreateMode.Ephemeral);
        await zk.CreateAsync(Root + "/e2", default, CreateMode.Ephemeral);
        await zk.CreateAsync(Root + "/persistent", default);
        await other.CreateAsync(Root + "/a/not-mine", default, CreateMode.Ephemeral);

        Assert.Equal([Root + "/a/e1", Root + "/e2"], (await zk.GetEphemeralsAsync(Root)).Order());
        Assert.Equal([Root + "/a/e1"], await zk.GetEphemeralsAsync(Root + "/a"));
        Assert.Contains(Root + "/e2", await zk.GetEphemeralsAsync("/"));
    }

    [Fact]
    public async Task DigestAcl_RefusesOthers_AndAdmitsTheUser()
    {
        var owner = await ConnectAsync(configure: o => o with { Auth = [ZooKeeperAuth.Digest("alice", "secret")] });
        var stranger = await ConnectAsync();
        var guesser = await ConnectAsync(configure: o => o with { Auth = [ZooKeeperAuth.Digest("alice", "wrong")] });
        await owner.CreateAsync(Root + "/private", Bytes("for alice"), acl: Acl.Digest("alice", "secret", AclPermissions.Read | AclPermissions.Write));
        await owner.CreateAsync(Root + "/mine", Bytes("creator"), acl: Acl.CreatorAll);

        var refused = await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(Root + "/private"));
        await Assert.ThrowsAsync<NoAuthException>(() => guesser.GetDataAsync(Root + "/mine"));
        await Assert.ThrowsAsync<NoAuthException>(() => owner.DeleteAsync(Root + "/private/x")); // no Create/Delete granted: NoAuth before NoNode
        var alice = await ConnectAsync(configure: o => o with { Auth = [ZooKeeperAuth.Digest("alice", "secret")] });
        await stranger.AddAuthAsync(ZooKeeperAuth.Digest("alice", "secret"));

        Assert.Equal(Root + "/private", refused.Path);
        Assert.Equal("for alice", Text((await alice.GetDataAsync(Root + "/private")).Data));
        Assert.Equal("creator", Text((await alice.GetDataAsync(Root + "/mine")).Data));
        Assert.Equal("for alice", Text((await stranger.GetDataAsync(Root + "/private")).Data));
    }

    [Fact]
    public async Task CreatorAll_WithoutCredentials_IsAnInvalidAcl()
    {
        var zk = await ConnectAsync();

        await Assert.ThrowsAsync<InvalidAclException>(() => zk.CreateAsync(Root + "/x", default, acl: Acl.CreatorAll));
    }

    [Fact]
    public async Task UnknownAuthScheme_FailsTheConnect_NamingIt()
    {
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ConnectAsync(configure: o => o with { Auth = [new ZooKeeperAuth("nosuchscheme", Bytes("x"))] }));

        Assert.Contains("refused the credentials (scheme nosuchscheme)", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task RefusedAddAuth_EndsTheClient_AsAuthFailed()
    {
        var zk = await ConnectAsync();
        var log = new EventLog(zk);

        await Assert.ThrowsAsync<AuthFailedException>(() => zk.AddAuthAsync(new ZooKeeperAuth("nosuchscheme", Bytes("x"))));

        await log.WaitForStateAsync(ZooKeeperState.AuthFailed);
        Assert.Equal(ZooKeeperState.AuthFailed, zk.State);
        await Assert.ThrowsAsync<AuthFailedException>(() => zk.ExistsAsync(Root));
    }

    [Fact]
    public async Task Chroot_MakesEveryPathRelativeToIt()
    {
        var admin = await ConnectAsync();
        await admin.CreateAsync(Root + "/jail", default);
        var zk = await ConnectAsync(Server.ConnectString + Root + "/jail");
        var log = new EventLog(zk);

        var created = await zk.CreateAsync("/a", Bytes("in jail"));
        var sequential = await zk.CreateAsync("/s-", default, CreateMode.EphemeralSequential);
        var multi = await zk.MultiAsync([Op.Create("/m", default), Op.Check("/a", 0)]);
        var seenFromOutside = await admin.GetDataAsync(Root + "/jail/a");
        await zk.GetDataAsync("/a", watch: true);
        await zk.AddWatchAsync("/", AddWatchMode.PersistentRecursive);
        await admin.SetDataAsync(Root + "/jail/a", Bytes("changed"));

        Assert.Equal("/a", created);
        Assert.Matches("^/s-[0-9]{10}$", sequential);
        Assert.Equal(new CreateOpResult("/m"), multi.Results[0]);
        Assert.Equal("in jail", Text(seenFromOutside.Data));
        Assert.Equal(["a", "m", sequential[1..]], (await zk.GetChildrenAsync("/")).Children.Order());
        Assert.Equal([sequential], await zk.GetEphemeralsAsync("/"));
        await admin.CreateAsync(Root + "/jail/b", default);
        await log.WaitForAsync(WatchEventKind.NodeDataChanged, "/a");
        await log.WaitForAsync(WatchEventKind.NodeCreated, "/b");
        Assert.Null(await zk.ExistsAsync(Root));
    }

    [Fact]
    public async Task MissingChroot_FailsTheConnect_NamingIt()
    {
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ConnectAsync(Server.ConnectString + Root + "/nowhere"));

        Assert.Equal($"chroot {Root}/nowhere does not exist on {Server.ConnectString}.", error.Message);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("host", "'host' has no port")]
    [InlineData("h:notaport", "'notaport' in 'h:notaport' is not a port number")]
    [InlineData("h:99999", "port 99999 in 'h:99999' is out of range")]
    [InlineData("h:2181,", "empty server entry")]
    [InlineData("h:2181/bad//chroot", "the chroot /bad//chroot is not a valid path")]
    [InlineData("[::1:2181", "has no ']'")]
    [InlineData("::1:2181", "write it in brackets")]
    public async Task MalformedConnectStrings_FailAtOnce_WithOneLine(string connectString, string problem)
    {
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = connectString }));

        Assert.Contains(problem, error.Message);
        Assert.StartsWith("Malformed ZooKeeper connect string", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task IPv6ConnectStrings_AreUnderstood()
    {
        var port = Server.Member(0).ClientPort;

        // The server listens on 127.0.0.1 only; the point is the parsing: it fails on connecting, naming the address.
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ZooKeeperClient.ConnectAsync(
            new ZooKeeperClientOptions { ConnectString = $"[::1]:{port}", ConnectTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Contains($"[::1]:{port}", error.Message);
    }

    [Fact]
    public async Task NoServerReachable_FailsWithinTheConnectTimeout_ListingTheAddresses()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0); // accepts connections (the kernel does) but never answers
        silent.Start();
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        var closedPort = ClosedPort();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = $"127.0.0.1:{closedPort},127.0.0.1:{silentPort}",
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }));

        Assert.Contains("No ZooKeeper server answered within 2 s", error.Message);
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
        Assert.Contains($"127.0.0.1:{silentPort}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task DisposedClient_FailsRequests()
    {
        var zk = await ConnectAsync();
        await zk.DisposeAsync();
        await zk.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => zk.GetDataAsync(Root));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

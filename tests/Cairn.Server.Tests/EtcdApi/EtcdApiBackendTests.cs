namespace Cairn.Server.Tests.EtcdApi;

/// <summary>
/// The etcd API on the other backends (its services are written on the keyspace contract): a server on etcd itself or
/// on ZooKeeper, with an etcd listener, answers etcdctl's put, prefix get, delete and watch, and queues lock contenders. Each test starts a server
/// of its own and disposes it.
/// </summary>
public abstract class EtcdApiBackendTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cairn-etcdapi-").FullName;
    private CairnServer? _server;

    /// <summary>The settings that put the server on the backend.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task PutGetPrefixDel_WithEtcdctl()
    {
        var endpoint = await StartAsync();

        Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "backend/a", "1")).Text);
        Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "backend/b", "two words")).Text);
        Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "backendx", "outside")).Text);
        Assert.Equal("backend/a\n1\nbackend/b\ntwo words\n", (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "backend/")).Text);
        Assert.Equal("1\n", (await Etcdctl.RunAsync(endpoint, null, "del", "backend/a")).Text);
        Assert.Equal("backend/b\ntwo words\n", (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "backend/")).Text);
        Assert.Equal("1\n", (await Etcdctl.RunAsync(endpoint, null, "del", "--prefix", "backend/")).Text);
        Assert.Equal("", (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "backend/")).Text);
        Assert.Equal("backendx\noutside\n", (await Etcdctl.RunAsync(endpoint, null, "get", "backendx")).Text);
    }

    [Fact]
    public async Task Watch_SeesAPut_WithEtcdctl()
    {
        var endpoint = await StartAsync();

        // From the revision after this put: the watched put is seen even if etcdctl's watch is created after it.
        var start = await Etcdctl.RunAsync(endpoint, null, "put", "other", "x", "-w", "json");
        Assert.True(start.ExitCode == 0, start.Error);
        using var json = System.Text.Json.JsonDocument.Parse(start.Output);
        var next = json.RootElement.GetProperty("header").GetProperty("revision").GetInt64() + 1;

        using var watch = Etcdctl.Start(endpoint, "watch", "--prefix", "watched/", "--rev=" + next.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "unwatched", "no")).Text);
            Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "watched/k", "seen")).Text);
            var lines = new List<string>();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (lines.Count < 3)
            {
                lines.Add(await watch.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("etcdctl watch ended: " + await watch.StandardError.ReadToEndAsync()));
            }

            Assert.Equal(["PUT", "watched/k", "seen"], lines);
        }
        finally
        {
            watch.Kill();
        }
    }

    [Fact]
    public async Task Lock_SecondContender_GetsTheLockWhenTheFirstUnlocks()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(await StartAsync());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var leases = new Cairn.EtcdApi.Etcdserverpb.Lease.LeaseClient(channel);
        var locks = new Cairn.EtcdApi.V3lockpb.Lock.LockClient(channel);
        var kv = new Cairn.EtcdApi.Etcdserverpb.KV.KVClient(channel);
        var name = Google.Protobuf.ByteString.CopyFromUtf8("backend-lock");
        var first = (await leases.LeaseGrantAsync(new() { TTL = 60 }, cancellationToken: deadline.Token)).ID;
        var second = (await leases.LeaseGrantAsync(new() { TTL = 60 }, cancellationToken: deadline.Token)).ID;

        var held = await locks.LockAsync(new() { Name = name, Lease = first }, cancellationToken: deadline.Token);
        var waiting = locks.LockAsync(new() { Name = name, Lease = second }, cancellationToken: deadline.Token).ResponseAsync;
        var queue = new Cairn.EtcdApi.Etcdserverpb.RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("backend-lock/"), RangeEnd = Google.Protobuf.ByteString.CopyFromUtf8("backend-lock0"), CountOnly = true };
        await Eventually.UntilAsync(async () => (await kv.RangeAsync(queue, cancellationToken: deadline.Token)).Count == 2, TimeSpan.FromSeconds(60), "the second contender queues its key");
        Assert.False(waiting.IsCompleted, "The second contender got the lock while the first held it.");

        await locks.UnlockAsync(new() { Key = held.Key }, cancellationToken: deadline.Token);
        Assert.Equal($"backend-lock/{second:x}", (await waiting).Key.ToStringUtf8());
    }

    private async Task<string> StartAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = _dataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["EtcdApi:Listen:0"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (setting, value) in await BackendSettingsAsync())
        {
            settings[setting] = value;
        }

        _server = await CairnServer.StartAsync([], settings);
        return _server.EtcdApiAddresses.Single();
    }
}

/// <summary><see cref="EtcdApiBackendTests"/> on the assembly's etcd, emptied before each server starts.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdApiEtcdBackendTests(EtcdBackend etcd) : EtcdApiBackendTests
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync()
    {
        await etcd.EmptyAsync();
        return new Dictionary<string, string?>
        {
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "10",
        };
    }
}

/// <summary><see cref="EtcdApiBackendTests"/> on the process's standalone ZooKeeper, under a root of its own.</summary>
public sealed class EtcdApiZooKeeperBackendTests : EtcdApiBackendTests
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        new Dictionary<string, string?>
        {
            ["Backend"] = "zookeeper",
            ["ZooKeeper:Connect"] = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString,
            ["ZooKeeper:Root"] = ZooKeeperBackend.NewRoot(),
            ["Backend:StartTimeout"] = "30",
        };
}

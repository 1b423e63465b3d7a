using Cairn.Client;
using Cairn.EtcdApi.Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>The etcd API's other listener kinds: h2c on a Unix socket (<c>unix:PATH</c>), with the generated client and
/// with etcdctl (which sends the socket's path as <c>:authority</c>) connecting to the socket, and TLS (<c>https://</c>, the server's <c>Tls</c> certificate), with etcdctl trusting its
/// CA (<c>--cacert</c>). Each test starts a server of its own and disposes it.</summary>
public sealed class EtcdListenerTests : IAsyncLifetime
{
    private readonly TestCertificates _ca = TestCertificates.CreateInTemp();
    private CairnServer? _server;

    private string DataDir => Path.Combine(_ca.Directory, "data");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _ca.Dispose();
        _ca.DeleteDirectory();
    }

    [Fact]
    public async Task UnixSocket_PutAndGet_WithTheGeneratedClient()
    {
        var socket = Path.Combine(DataDir, "etcd.sock");
        var server = await StartAsync(("EtcdApi:Listen:0", "unix:" + socket));
        Assert.Equal("unix:" + socket, server.EtcdApiAddresses.Single());

        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(socket) },
        });
        var kv = new KV.KVClient(channel);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var put = await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("listener/k"), Value = ByteString.CopyFromUtf8("over the socket") }, cancellationToken: deadline.Token);
        var get = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("listener/"), RangeEnd = ByteString.CopyFromUtf8("listener0") }, cancellationToken: deadline.Token);

        Assert.True(put.Header.Revision > 0);
        var kv1 = Assert.Single(get.Kvs);
        Assert.Equal("listener/k", kv1.Key.ToStringUtf8());
        Assert.Equal("over the socket", kv1.Value.ToStringUtf8());
        Assert.Equal(put.Header.Revision, kv1.ModRevision);
    }

    [Fact]
    public async Task UnixSocket_PutAndGet_WithEtcdctl()
    {
        var socket = Path.Combine(DataDir, "etcd.sock");
        await StartAsync(("EtcdApi:Listen:0", "unix:" + socket));
        var endpoint = "unix://" + socket;

        var put = await Etcdctl.RunAsync(endpoint, null, "put", "listener/k", "over the socket");
        Assert.True(put.ExitCode == 0, put.Error);
        Assert.Equal("OK\n", put.Output);
        var get = await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "listener/");
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Equal("listener/k\nover the socket\n", get.Output);
    }

    [Fact]
    public async Task Tls_PutAndGet_WithEtcdctl_TrustingTheCa()
    {
        var certificate = _ca.IssueServer();
        var server = await StartAsync(
            ("EtcdApi:Listen:0", "https://127.0.0.1:0"),
            ("Tls:CertFile", certificate.CertFile),
            ("Tls:KeyFile", certificate.KeyFile));
        var endpoint = server.EtcdApiAddresses.Single();
        Assert.StartsWith("https://127.0.0.1:", endpoint, StringComparison.Ordinal);

        var trust = "--cacert=" + _ca.CaFile;
        var put = await Etcdctl.RunAsync(endpoint, null, trust, "put", "listener/k", "over tls");
        Assert.True(put.ExitCode == 0, put.Error);
        Assert.Equal("OK\n", put.Output);
        var get = await Etcdctl.RunAsync(endpoint, null, trust, "get", "--prefix", "listener/");
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Equal("listener/k\nover tls\n", get.Output);

        // Without the CA, etcdctl does not trust the server.
        var untrusted = await Etcdctl.RunAsync(endpoint, null, "--dial-timeout=3s", "--command-timeout=5s", "get", "listener/k");
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.DoesNotContain("listener/k", untrusted.Output, StringComparison.Ordinal);
    }

    private async Task<CairnServer> StartAsync(params (string Key, string Value)[] extra)
    {
        Directory.CreateDirectory(DataDir);
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = DataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        _server = await CairnServer.StartAsync([], settings);
        return _server;
    }
}

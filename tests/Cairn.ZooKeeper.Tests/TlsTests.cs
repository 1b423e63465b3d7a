using System.Diagnostics;
using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

/// <summary>
/// TLS to ZooKeeper's secure client port (Debian's ZooKeeper 3.8 with the Netty connection factory, PEM key and trust
/// stores, <c>ssl.clientAuth=need</c>): the session works with a client certificate of the server's CA, survives a
/// reconnect (a new TLS handshake, the credentials sent again), and every way TLS can be wrong is a clear error at once,
/// not a server that seems down.
/// </summary>
public sealed class TlsTests(ZooKeeperTlsFixture tls) : IClassFixture<ZooKeeperTlsFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<ZooKeeperClient> _clients = [];

    private string Root { get; } = "/tls-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync() => await (await ConnectAsync()).CreateAsync(Root, default);

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tls_WithAClientCertificateOfTheServersCa_ServesRequestsAndWatches()
    {
        var zk = await ConnectAsync();
        var events = new EventLog(zk);
        await zk.AddWatchAsync(Root, AddWatchMode.PersistentRecursive);

        await zk.CreateAsync(Root + "/a", Bytes("over tls"));

        Assert.Equal(tls.Ensemble.Member(0).SecureConnectString, zk.ConnectedServer);
        Assert.Equal("over tls", Text((await zk.GetDataAsync(Root + "/a")).Data));
        await events.WaitForAsync(WatchEventKind.NodeCreated, Root + "/a");
    }

    [Fact]
    public async Task Tls_AfterALostConnection_HandshakesAgain_KeepsTheSession_AndSendsTheCredentialsAgain()
    {
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", tls.Ensemble.Member(0).SecureClientPort);
        var zk = await ConnectAsync(proxy.Endpoint, o => o with { Auth = [ZooKeeperAuth.Digest("alice", "secret")] });
        await zk.CreateAsync(Root + "/alice", Bytes("hers"), acl: Acl.Digest("alice", "secret"));
        var events = new EventLog(zk);
        var session = zk.SessionId;

        proxy.DropAll();
        await events.WaitForStateAsync(ZooKeeperState.Disconnected);
        await events.WaitForStateAsync(ZooKeeperState.Connected);

        // Only alice may read it: the new connection carries her credentials again.
        Assert.Equal("hers", Text((await zk.GetDataAsync(Root + "/alice")).Data));
        Assert.Equal(session, zk.SessionId);
        Assert.True(proxy.Accepted >= 2, $"The proxy saw {proxy.Accepted} connections.");
        // The same client certificate without alice's credentials: the certificate's x509 identity is not hers.
        var stranger = await ConnectAsync();
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(Root + "/alice"));
    }

    [Fact]
    public async Task Tls_WithoutAClientCertificate_FailsAtOnce_SayingTheServerRefusesIt()
    {
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ConnectAsync(configure: o => o with { Tls = o.Tls! with { ClientCertificate = null } }));

        Assert.False(error.IsTransient);
        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < Patience / 2, $"It took {stopwatch.Elapsed} to fail: it waited as for a server that is down.");
    }

    [Fact]
    public async Task Tls_WithAClientCertificateOfAnotherCa_FailsAtOnce_SayingTheServerRefusesIt()
    {
        var stranger = tls.Other.IssueClient("mallory");

        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() =>
            ConnectAsync(configure: o => o with { Tls = ZooKeeperTlsOptions.FromPemFiles(tls.Authority.CaFile, stranger.CertFile, stranger.KeyFile) }));

        Assert.False(error.IsTransient);
        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_WhenTheServersCertificateIsNotFromTheTrustedCa_FailsAtOnce_SayingItIsNotTrusted()
    {
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() =>
            ConnectAsync(configure: o => o with { Tls = ZooKeeperTlsOptions.FromPemFiles(tls.Other.CaFile, tls.Client.CertFile, tls.Client.KeyFile) }));

        Assert.False(error.IsTransient);
        Assert.Contains("is not trusted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_ToThePlainClientPort_GetsNoSession_AndTheErrorNamesTheSecurePort()
    {
        // A plain port closes the connection on a TLS hello, as a server going down might: not surely a setting to
        // fix, so the client keeps trying until its connect timeout, and then says what may be wrong.
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() =>
            ConnectAsync(tls.Ensemble.ConnectString, o => o with { ConnectTimeout = TimeSpan.FromSeconds(3) }));

        Assert.True(error.Message.Contains("during the TLS handshake", StringComparison.Ordinal), error.Message);
        Assert.Contains("secureClientPort", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainTcp_ToTheSecurePort_GetsNoSession_AndTheErrorSaysTheServerMayWantTls()
    {
        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() =>
            ConnectAsync(configure: o => o with { Tls = null, ConnectTimeout = TimeSpan.FromSeconds(3) }));

        Assert.Contains(tls.Ensemble.Member(0).SecureConnectString, error.Message, StringComparison.Ordinal);
        Assert.Contains("wants TLS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPemFiles_NamesAMissingFile()
    {
        var missing = Path.Combine(tls.Authority.Directory, "no-such.pem");

        Assert.Contains(missing, Assert.Throws<ArgumentException>(() => ZooKeeperTlsOptions.FromPemFiles(missing, null, null)).Message, StringComparison.Ordinal);
        Assert.Contains(missing, Assert.Throws<ArgumentException>(() => ZooKeeperTlsOptions.FromPemFiles(null, missing, null)).Message, StringComparison.Ordinal);
        Assert.Contains(missing, Assert.Throws<ArgumentException>(() => ZooKeeperTlsOptions.FromPemFiles(null, tls.Client.CertFile, missing)).Message, StringComparison.Ordinal);
        Assert.Contains("without a certificate", Assert.Throws<ArgumentException>(() => ZooKeeperTlsOptions.FromPemFiles(null, null, tls.Client.KeyFile)).Message, StringComparison.Ordinal);
    }

    private async Task<ZooKeeperClient> ConnectAsync(string? connectString = null, Func<ZooKeeperClientOptions, ZooKeeperClientOptions>? configure = null)
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectString = connectString ?? tls.Ensemble.SecureConnectString,
            ConnectTimeout = Patience,
            Tls = ZooKeeperTlsOptions.FromPemFiles(tls.Authority.CaFile, tls.Client.CertFile, tls.Client.KeyFile),
        };
        var client = await ZooKeeperClient.ConnectAsync(configure is null ? options : configure(options));
        _clients.Add(client);
        return client;
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}

using Cairn.Testing.Server;
using Cairn.ZooKeeper;

namespace Cairn.Cli.Tests;

/// <summary><c>journal import</c> and <c>run import</c> read an original from a ZooKeeper that serves only TLS and wants
/// a client certificate, with <c>serve</c>'s flags (<c>--zk-ca-file</c>, <c>--zk-cert-file</c>, <c>--zk-key-file</c>);
/// without them they say what to give.</summary>
public sealed class ImportOverTlsTests(ZooKeeperTlsFixture tls) : IClassFixture<ZooKeeperTlsFixture>, IAsyncLifetime
{
    private readonly ServerFixture _server = new();
    private readonly string _chroot = "/import-tls-" + Guid.NewGuid().ToString("N")[..12];

    private string Target => tls.Ensemble.SecureConnectString + _chroot;

    private string[] TlsFlags => ["--zk-ca-file", tls.Authority.CaFile, "--zk-cert-file", tls.Client.CertFile, "--zk-key-file", tls.Client.KeyFile];

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        var options = new ZooKeeperClientOptions
        {
            ConnectString = tls.Ensemble.SecureConnectString,
            ConnectTimeout = TimeSpan.FromSeconds(60),
            Tls = ZooKeeperTlsOptions.FromPemFiles(tls.Authority.CaFile, tls.Client.CertFile, tls.Client.KeyFile),
        };
        await using var zk = await ZooKeeperClient.ConnectAsync(options);
        await zk.CreateAsync(_chroot, ReadOnlyMemory<byte>.Empty);
        await zk.CreateAsync(_chroot + "/runs", ReadOnlyMemory<byte>.Empty);
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task JournalImport_WithTheTlsFlags_ReadsZooKeeper_AndWithoutThemSaysWhatToGive()
    {
        var plain = await CliRun.RunAsync(["journal", "import", "--zookeeper", Target, "--connect-timeout", "3s", "--endpoint", _server.TcpEndpoint]);
        var secure = await CliRun.RunAsync(["journal", "import", "--zookeeper", Target, .. TlsFlags, "--connect-timeout", "60s", "--endpoint", _server.TcpEndpoint]);

        Assert.Contains("give --zk-ca-file", plain.AssertOneLineError(), StringComparison.Ordinal);
        Assert.True(secure.ExitCode == 0, $"exit {secure.ExitCode}: {secure.Error}");
        Assert.StartsWith("0 steps imported", secure.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunImport_WithTheTlsFlags_ReadsZooKeeper()
    {
        var secure = await CliRun.RunAsync(["run", "import", "--zookeeper", Target, .. TlsFlags, "--connect-timeout", "60s", "--endpoint", _server.TcpEndpoint]);

        Assert.True(secure.ExitCode == 0, $"exit {secure.ExitCode}: {secure.Error} {secure.Out}");
        Assert.Contains("0 run(s) imported", secure.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACertificateWithoutTheCaFlag_IsAOneLineError()
    {
        var run = await CliRun.RunAsync(["journal", "import", "--zookeeper", Target, "--zk-cert-file", tls.Client.CertFile, "--endpoint", _server.TcpEndpoint]);

        Assert.Contains("--zk-ca-file", run.AssertOneLineError(), StringComparison.Ordinal);
    }
}

using System.Diagnostics;

namespace Cairn.Server.Tests.Security.Backends;

// The assembly's etcd with TLS, client certificates and users (its tests run one after another).
[CollectionDefinition(SecureEtcdBackend.Collection)] public sealed class SecureEtcdCollection : ICollectionFixture<SecureEtcdBackend>;

/// <summary>
/// <c>cairn serve</c> on backends locked down as an operator would: etcd with TLS, <c>--client-cert-auth</c> and users
/// (<c>Etcd:CaFile</c>, <c>Etcd:CertFile</c>, <c>Etcd:KeyFile</c>, <c>Etcd:Username</c>, <c>Etcd:PasswordFile</c>), and
/// ZooKeeper over TLS with digest credentials (<c>ZooKeeper:CaFile</c>, <c>ZooKeeper:CertFile</c>,
/// <c>ZooKeeper:KeyFile</c>, <c>ZooKeeper:DigestFile</c>). The server serves on them; a wrong setting is a one-line
/// start-up error at once, not a minute of retrying a backend that seems down.
/// </summary>
[Collection(SecureEtcdBackend.Collection)]
public sealed class SecureBackendServerTests(SecureEtcdBackend etcd, ZooKeeperTlsFixture zooKeeper) : IClassFixture<ZooKeeperTlsFixture>, IAsyncLifetime
{
    // Long enough that a start-up error which waited for the backend would show.
    private const string StartTimeoutSeconds = "60";
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-secure-backend-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task AServerOnEtcd_WithTls_AClientCertificate_AndAPasswordFile_Serves()
    {
        await etcd.EmptyAsync();
        var server = await StartAsync(EtcdSettings());
        using var http = Client(server);

        (await http.PutAsync("/v1/kv/secure/a", new StringContent("over tls"))).EnsureSuccessStatusCode();

        Assert.Equal("over tls", await http.GetStringAsync("/v1/kv/secure/a"));
    }

    [Fact]
    public async Task AWrongEtcdPassword_IsAOneLineStartupError_AtOnce()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "etcd-password"), "not the password\n");

        var error = await StartupErrorAsync(EtcdSettings());

        Assert.Contains($"etcd refused user '{SecureEtcdBackend.User}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoClientCertificateForEtcd_IsAOneLineStartupError_AtOnce()
    {
        var settings = EtcdSettings();
        settings["Etcd:CertFile"] = null;
        settings["Etcd:KeyFile"] = null;

        var error = await StartupErrorAsync(settings);

        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("CertFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingEtcdCaFile_IsAStartupErrorNamingIt()
    {
        var settings = EtcdSettings();
        settings["Etcd:CaFile"] = Path.Combine(_dir, "no-such-ca.pem");

        var error = await StartupErrorAsync(settings);

        Assert.Contains(Path.Combine(_dir, "no-such-ca.pem"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BothAnEtcdPasswordAndAPasswordFile_IsAStartupErrorSayingSetOne()
    {
        var settings = EtcdSettings();
        settings["Etcd:Password"] = SecureEtcdBackend.Password;

        var error = await StartupErrorAsync(settings);

        Assert.Contains("Etcd:Password and Etcd:PasswordFile are both set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerOnZooKeeper_OverTls_WithADigestFile_Serves_AndItsZnodesAreTheDigestUsersAlone()
    {
        var settings = ZooKeeperSettings();
        var server = await StartAsync(settings);
        using var http = Client(server);

        (await http.PutAsync("/v1/kv/secure/z", new StringContent("over tls"))).EnsureSuccessStatusCode();

        Assert.Equal("over tls", await http.GetStringAsync("/v1/kv/secure/z"));
        await using var stranger = await Cairn.ZooKeeper.ZooKeeperClient.ConnectAsync(new Cairn.ZooKeeper.ZooKeeperClientOptions
        {
            ConnectString = zooKeeper.Ensemble.ConnectString,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        await Assert.ThrowsAsync<Cairn.ZooKeeper.NoAuthException>(() => stranger.GetChildrenAsync(settings["ZooKeeper:Root"]!));
    }

    [Fact]
    public async Task NoClientCertificateForZooKeeper_IsAOneLineStartupError_AtOnce()
    {
        var settings = ZooKeeperSettings();
        settings["ZooKeeper:CertFile"] = null;
        settings["ZooKeeper:KeyFile"] = null;

        var error = await StartupErrorAsync(settings);

        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> EtcdSettings()
    {
        var passwordFile = Path.Combine(_dir, "etcd-password");
        if (!File.Exists(passwordFile))
        {
            File.WriteAllText(passwordFile, SecureEtcdBackend.Password + "\n");
        }

        return Settings(new()
        {
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Etcd:CaFile"] = etcd.Authority.CaFile,
            ["Etcd:CertFile"] = etcd.ClientCertificate.CertFile,
            ["Etcd:KeyFile"] = etcd.ClientCertificate.KeyFile,
            ["Etcd:Username"] = SecureEtcdBackend.User,
            ["Etcd:PasswordFile"] = passwordFile,
        });
    }

    private Dictionary<string, string?> ZooKeeperSettings()
    {
        var digestFile = Path.Combine(_dir, "zk-digest");
        File.WriteAllText(digestFile, "cairn:zk-digest-password\n");
        return Settings(new()
        {
            ["Backend"] = "zookeeper",
            ["ZooKeeper:Connect"] = zooKeeper.Ensemble.SecureConnectString,
            ["ZooKeeper:Root"] = ZooKeeperBackend.NewRoot(),
            ["ZooKeeper:CaFile"] = zooKeeper.Authority.CaFile,
            ["ZooKeeper:CertFile"] = zooKeeper.Client.CertFile,
            ["ZooKeeper:KeyFile"] = zooKeeper.Client.KeyFile,
            ["ZooKeeper:DigestFile"] = digestFile,
        });
    }

    private Dictionary<string, string?> Settings(Dictionary<string, string?> backend)
    {
        var dataDir = Directory.CreateTempSubdirectory("data-").FullName;
        backend["DataDir"] = dataDir;
        backend["Listen:0"] = "http://127.0.0.1:0";
        backend["Backend:StartTimeout"] = StartTimeoutSeconds;
        backend["Logging:LogLevel:Default"] = "Warning";
        _servers.Add(new DirectoryRemoval(dataDir));
        return backend;
    }

    private async Task<CairnServer> StartAsync(Dictionary<string, string?> settings)
    {
        var server = await CairnServer.StartAsync([], settings);
        _servers.Insert(0, server);
        return server;
    }

    private static async Task<StartupException> StartupErrorAsync(Dictionary<string, string?> settings)
    {
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], settings));
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"It took {started.Elapsed} to fail: it retried as for a backend that is down. {error.Message}");
        return error;
    }

    private static HttpClient Client(CairnServer server) =>
        new() { BaseAddress = new Uri(server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))), Timeout = TimeSpan.FromSeconds(30) };

    private sealed class DirectoryRemoval(string path) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            return ValueTask.CompletedTask;
        }
    }
}

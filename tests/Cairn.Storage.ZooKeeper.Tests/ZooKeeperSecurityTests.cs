using System.Diagnostics;
using System.Text;
using Cairn.Core;
using Cairn.Testing;
using Cairn.ZooKeeper;

namespace Cairn.Storage.ZooKeeper.Tests;

/// <summary>
/// The backend with ZooKeeper's digest credentials and TLS: every znode the keyspace makes (its root, and the root's
/// ancestors it had to make) is the digest user's alone, so another client, with no credentials or the wrong ones, can
/// neither read nor change anything; the credentials go again with every reconnect; and the keyspace works over TLS.
/// Digest tests use the shared server (each under a root of its own); TLS ones a server of the class.
/// </summary>
public sealed class ZooKeeperSecurityTests(ZooKeeperTlsFixture tls) : IClassFixture<ZooKeeperTlsFixture>, IAsyncLifetime
{
    private const string Digest = "cairn:the-digest-password";
    private readonly List<IAsyncDisposable> _owned = [];

    // Two levels: the keyspace makes the ancestor too, and must protect it as well.
    private readonly string _root = "/sec-" + Guid.NewGuid().ToString("N")[..12] + "/cairn";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Keyspace_WithADigest_Works_AndEveryZnodeItMadeIsTheDigestUsersAlone()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var store = Own(await OpenAsync(server.ConnectString, Digest));
        await using var watch = store.WatchAsync(new WatchRequest(KeyRange.Prefix("app/")) { StartRevision = 1 }).GetAsyncEnumerator();
        var lease = await store.GrantLeaseAsync(60);
        await store.PutAsync(new PutRequest("app/a", Bytes("1")) { Lease = lease.Id });
        await store.PutAsync(new PutRequest("app/b", new byte[700 * 1024])); // past one znode: chunks
        await store.TxnAsync(new TxnRequest([Compare.Version("app/a", CompareResult.Equal, 1)], [new PutRequest("app/c", Bytes("3"))], []));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("app/a", Assert.Single(watch.Current.Events).Kv.Key);

        var owner = Own(await ConnectAsync(server.ConnectString, ZooKeeperAuth.Digest("cairn", "the-digest-password")));
        var stranger = Own(await ConnectAsync(server.ConnectString));
        var guesser = Own(await ConnectAsync(server.ConnectString, ZooKeeperAuth.Digest("cairn", "a-guess")));
        var ancestor = _root[.._root.LastIndexOf('/')];
        var znodes = await TreeAsync(owner, ancestor);
        var onlyCairn = Acl.Digest("cairn", "the-digest-password");

        Assert.True(znodes.Count > 8, $"The keyspace made only {znodes.Count} znodes: {string.Join(", ", znodes)}");
        foreach (var path in znodes)
        {
            Assert.Equal(onlyCairn, (await owner.GetAclAsync(path)).Acl);
            await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(path));
            await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetChildrenAsync(path));
            await Assert.ThrowsAsync<NoAuthException>(() => stranger.SetDataAsync(path, Bytes("tampered")));
            await Assert.ThrowsAsync<NoAuthException>(() => stranger.CreateAsync(path + "/intruder", Bytes("x")));
            await Assert.ThrowsAsync<NoAuthException>(() => guesser.GetDataAsync(path));
        }

        await Assert.ThrowsAsync<NoAuthException>(() => stranger.DeleteAsync(_root + "/head"));
        Assert.Equal(3, (await store.RangeAsync(new RangeRequest(KeyRange.Prefix("app/")) { CountOnly = true })).Count);
    }

    [Fact]
    public async Task AnotherClientImplementation_WithoutTheDigest_IsRefusedToo()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        Own(await OpenAsync(server.ConnectString, Digest));

        // kazoo (Debian's python3-kazoo, which test.sh installs): not this repository's client, so the refusal is the
        // server's doing.
        var answer = await RunKazooAsync(server.ConnectString, _root);

        Assert.Contains("NoAuthError", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_WithAWrongDigest_FailsSayingNoAuth_AndNamingTheSetting()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        Own(await OpenAsync(server.ConnectString, Digest));

        var wrong = await Assert.ThrowsAsync<ZooKeeperBackendException>(() => OpenAsync(server.ConnectString, "cairn:a-guess"));
        var none = await Assert.ThrowsAsync<ZooKeeperBackendException>(() => OpenAsync(server.ConnectString, digest: null));

        Assert.Contains("NoAuth", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("ZooKeeper:Digest", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("NoAuth", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyspace_KeepsWorking_AfterItsConnectionDrops_SendingTheDigestAgain()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var proxy = Own(await TcpProxy.StartAsync("127.0.0.1", server.Member(0).ClientPort));
        var store = Own(await OpenAsync(proxy.Endpoint, Digest));
        await store.PutAsync(new PutRequest("k", Bytes("1")));

        proxy.DropAll();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await store.PutAsync(new PutRequest("k", Bytes("2")));
                    return true;
                }
                catch (UnavailableException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "a put works again after the reconnect");

        Assert.True(proxy.Accepted >= 2, $"The proxy saw {proxy.Accepted} connections: the connection was not dropped.");
        Assert.Equal("2", Encoding.UTF8.GetString(Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("k")))).Kvs).Value.Span));
    }

    [Fact]
    public async Task Keyspace_WorksOverTls_WithADigest()
    {
        var store = Own(await OpenAsync(tls.Ensemble.SecureConnectString, Digest, ZooKeeperTlsOptions.FromPemFiles(tls.Authority.CaFile, tls.Client.CertFile, tls.Client.KeyFile)));
        await using var watch = store.WatchAsync(new WatchRequest(KeyRange.Single("k")) { StartRevision = 1 }).GetAsyncEnumerator();

        var put = await store.PutAsync(new PutRequest("k", Bytes("over tls")));

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(put.Revision, watch.Current.Revision);
        Assert.Equal("over tls", Encoding.UTF8.GetString(Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("k")))).Kvs).Value.Span));
    }

    [Fact]
    public async Task Open_OverTls_WithoutAClientCertificate_FailsAtOnce_WithABackendError()
    {
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ZooKeeperBackendException>(() =>
            OpenAsync(tls.Ensemble.SecureConnectString, Digest, ZooKeeperTlsOptions.FromPemFiles(tls.Authority.CaFile, null, null)));

        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"It took {stopwatch.Elapsed} to fail: it waited as for a server that is down.");
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task<IKeyspace> OpenAsync(string connectString, string? digest, ZooKeeperTlsOptions? tlsOptions = null) =>
        await ZooKeeperKeyspace.OpenAsync(new ZooKeeperKeyspaceOptions
        {
            ConnectString = connectString,
            Root = _root,
            Digest = digest,
            Tls = tlsOptions,
            RequestTimeout = ZooKeeperBackend.RequestTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        });

    private static async Task<ZooKeeperClient> ConnectAsync(string connectString, ZooKeeperAuth? auth = null) =>
        await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = connectString,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            Auth = auth is null ? [] : [auth],
        });

    // Every znode at and under path, read with credentials that may.
    private static async Task<List<string>> TreeAsync(ZooKeeperClient zk, string path)
    {
        var all = new List<string> { path };
        foreach (var child in (await zk.GetChildrenAsync(path)).Children)
        {
            all.AddRange(await TreeAsync(zk, path + "/" + child));
        }

        return all;
    }

    private static async Task<string> RunKazooAsync(string connectString, string path)
    {
        var script = $"""
            from kazoo.client import KazooClient
            zk = KazooClient(hosts="{connectString}", timeout=30)
            zk.start(timeout=30)
            try:
                zk.get("{path}")
                print("READ")
            except Exception as e:
                print(type(e).__name__)
            finally:
                zk.stop()
            """;
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start python3.");
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return $"{await output}{Environment.NewLine}{await errors}";
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cairn.Contracts;
using Cairn.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Security.Tls;

/// <summary>
/// Two Cairn nodes on the assembly's etcd, each listening on https only with a certificate from a CA the test made: a
/// blob stored through one is read through the other, which fetches the body from the holder's
/// <c>/v1/internal/volumes/…</c> over TLS (checking the holder's certificate) with the node credential once auth is on;
/// that route refuses a caller without a credential (401) and a user without <c>internal:read</c> (403).
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class NodeTlsTests(EtcdBackend etcd) : IAsyncLifetime
{
    private const string RootPassword = "root-secret-1";
    private readonly TestCertificates _ca = TestCertificates.CreateInTemp();
    private readonly List<CairnServer> _nodes = [];

    public Task InitializeAsync() => etcd.EmptyAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _ca.Dispose();
        _ca.DeleteDirectory();
    }

    [Fact]
    public async Task ABlobStoredOnOneNode_IsServedByAnother_OverTls()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        Assert.All(a.Addresses, address => Assert.StartsWith("https://", address, StringComparison.Ordinal));
        var body = RandomBody();
        using var httpA = Client(a);
        using var httpB = Client(b);

        await TlsServer.ExpectAsync(HttpStatusCode.Created, httpA.PutAsync("/v1/blobs/shared/big.bin", new ByteArrayContent(body)));

        Assert.Equal(body, await httpB.GetByteArrayAsync("/v1/blobs/shared/big.bin"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(b.Options.DataDir, "volumes", "blobs"), "*.blob", SearchOption.AllDirectories));
        using var nodes = await httpB.GetAsync("/v1/cluster/nodes");
        Assert.Contains(a.Addresses[0], await nodes.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeThatDoesNotTrustTheHoldersCertificate_DoesNotReadFromIt()
    {
        using var other = _ca.CreateUnrelated();
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b", ("Tls:CaFile", other.CaFile));
        using var httpA = Client(a);
        using var httpB = Client(b);
        await TlsServer.ExpectAsync(HttpStatusCode.Created, httpA.PutAsync("/v1/blobs/shared/x.bin", new ByteArrayContent(RandomBody())));

        using var read = await httpB.GetAsync("/v1/blobs/shared/x.bin");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
    }

    [Fact]
    public async Task WithAuthOn_NodesReadEachOthersVolumesWithTheNodeCredential_AndNobodyElseDoes()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        using var httpA = Client(a);
        using var httpB = Client(b);
        await EnableAuthAsync(httpA);
        httpA.DefaultRequestHeaders.Authorization = Basic("root", RootPassword);
        httpB.DefaultRequestHeaders.Authorization = Basic("root", RootPassword);
        var nodeToken = a.Services.GetRequiredService<AccessControl>().NodeToken;
        Assert.NotNull(nodeToken);
        await Eventually.UntilAsync(async () => (await httpB.GetAsync("/v1/auth/status")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "node B sees auth on");

        var body = RandomBody();
        await TlsServer.ExpectAsync(HttpStatusCode.Created, httpA.PutAsync("/v1/blobs/shared/big.bin", new ByteArrayContent(body)));
        Assert.Equal(body, await httpB.GetByteArrayAsync("/v1/blobs/shared/big.bin"));

        // The holder's internal route, called directly.
        var volume = (await File.ReadAllTextAsync(Path.Combine(a.Options.DataDir, "volumes", "volume.id"))).Trim();
        var blob = Path.GetFileNameWithoutExtension(Assert.Single(Directory.EnumerateFiles(Path.Combine(a.Options.DataDir, "volumes", "blobs"), "*.blob", SearchOption.AllDirectories)));
        var route = $"/v1/internal/volumes/{volume}/{blob}";
        using var anonymous = Client(a);
        using var refused = await anonymous.GetAsync(route);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await TlsServer.ExpectAsync(HttpStatusCode.Created, httpA.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "bob", Password = "bob-secret-1" }, WireJson.Options));
        var login = await (await anonymous.PostAsJsonAsync("/v1/auth/login", new LoginDto { User = "bob", Password = "bob-secret-1" }, WireJson.Options)).Content.ReadFromJsonAsync<TokenResultDto>(WireJson.Options);
        using var bob = Client(a);
        bob.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.Token);
        using var denied = await bob.GetAsync(route);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        using var node = Client(a);
        node.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", nodeToken);
        using var served = await node.GetAsync(route);
        Assert.Equal(HttpStatusCode.PartialContent, served.StatusCode);
        Assert.Equal(body, await served.Content.ReadAsByteArrayAsync());
    }

    private async Task<CairnServer> StartNodeAsync(string nodeId, params (string Key, string? Value)[] extra)
    {
        var dir = Path.Combine(_ca.Directory, nodeId);
        Directory.CreateDirectory(dir);
        var certificate = _ca.IssueServer(nodeId);
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "https://127.0.0.1:0",
            ["Tls:CertFile"] = certificate.CertFile,
            ["Tls:KeyFile"] = certificate.KeyFile,
            ["Tls:ClientCaFile"] = _ca.CaFile, // mTLS allowed; other nodes' certificates checked against it too
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "10",
            ["NodeId"] = nodeId,
            ["Auth:BcryptCost"] = "4",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var node = await CairnServer.StartAsync([], settings);
        _nodes.Add(node);
        return node;
    }

    private HttpClient Client(CairnServer node) =>
        new(_ca.CreateHttpHandler()) { BaseAddress = new Uri(node.Addresses.Single()), Timeout = TimeSpan.FromSeconds(60) };

    private static async Task EnableAuthAsync(HttpClient http)
    {
        await TlsServer.ExpectAsync(HttpStatusCode.Created, http.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "root", Password = RootPassword, Roles = ["root"] }, WireJson.Options));
        await TlsServer.ExpectAsync(HttpStatusCode.OK, http.PostAsync("/v1/auth/enable", null));
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password)));

    private static byte[] RandomBody()
    {
        var body = new byte[(1024 * 1024) + 17];
        Random.Shared.NextBytes(body);
        return body;
    }
}

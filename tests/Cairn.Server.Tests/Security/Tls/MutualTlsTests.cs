using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Tls;

/// <summary>
/// Client certificates (<c>Tls:ClientCaFile</c>, <c>Tls:ClientCertificates</c>): one issued by the client CA is
/// accepted; one from another CA, expired, or not for clients is refused in the handshake, in <c>allow</c> mode as in
/// <c>require</c> (a certificate that does not validate is an attack, not an absence); a client without one is served
/// in <c>allow</c> mode and refused in <c>require</c> mode.
/// </summary>
public sealed class MutualTlsTests : IAsyncLifetime
{
    private readonly TlsServer _tls = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _tls.DisposeAsync().AsTask();

    private Task StartAsync(string mode) =>
        _tls.StartAsync(("Tls:ClientCaFile", _tls.Ca.CaFile), ("Tls:ClientCertificates", mode));

    [Theory]
    [InlineData("allow")]
    [InlineData("require")]
    public async Task ClientCertificate_FromAnotherCa_IsRefused(string mode)
    {
        await StartAsync(mode);
        using var other = _tls.Ca.CreateUnrelated();
        var mallory = other.IssueClient("root");

        await AssertRefusedAsync(mallory);
    }

    [Theory]
    [InlineData("allow")]
    [InlineData("require")]
    public async Task ExpiredClientCertificate_IsRefused(string mode)
    {
        await StartAsync(mode);
        var expired = _tls.Ca.IssueClient("alice", notAfter: DateTimeOffset.UtcNow.AddMinutes(-5));

        await AssertRefusedAsync(expired);
    }

    [Fact]
    public async Task CertificateOfTheClientCa_NotForClients_IsRefused()
    {
        await StartAsync("allow");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth only
        using var issued = request.Create(_tls.Ca.Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        var serverOnly = new TestCertificateFiles("", "", "", issued.CopyWithPrivateKey(key));

        await AssertRefusedAsync(serverOnly);
    }

    [Theory]
    [InlineData("allow")]
    [InlineData("require")]
    public async Task ClientCertificate_FromTheClientCa_IsAccepted(string mode)
    {
        await StartAsync(mode);
        var alice = _tls.Ca.IssueClient("alice");

        using var client = _tls.Client(alice);
        await TlsServer.ExpectAsync(HttpStatusCode.OK, client.GetAsync("/readyz"));
        await _tls.HandshakeAsync(clientCertificate: alice.Certificate);
    }

    [Fact]
    public async Task NoClientCertificate_IsServed_WhenAllowed()
    {
        await StartAsync("allow");

        using var client = _tls.Client();
        await TlsServer.ExpectAsync(HttpStatusCode.OK, client.GetAsync("/readyz"));
    }

    [Fact]
    public async Task NoClientCertificate_IsRefused_WhenRequired()
    {
        await StartAsync("require");

        await AssertRefusedAsync(null);
    }

    [Fact]
    public async Task ClientCaFile_Alone_AllowsCertificates()
    {
        await _tls.StartAsync(("Tls:ClientCaFile", _tls.Ca.CaFile));
        using var other = _tls.Ca.CreateUnrelated();

        using var anonymous = _tls.Client();
        await TlsServer.ExpectAsync(HttpStatusCode.OK, anonymous.GetAsync("/readyz"));
        await AssertRefusedAsync(other.IssueClient("alice"));
    }

    [Fact]
    public async Task ClientCertificate_StandsForTheUserOfItsCommonName_WhenAuthIsOn()
    {
        await _tls.StartAsync(("Tls:ClientCaFile", _tls.Ca.CaFile), ("Auth:BcryptCost", "4"));
        using var admin = _tls.Client();
        await TlsServer.ExpectAsync(HttpStatusCode.Created, admin.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "root", Password = "root-secret-1", Roles = ["root"] }, WireJson.Options));
        await TlsServer.ExpectAsync(HttpStatusCode.Created, admin.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "alice" }, WireJson.Options));
        await TlsServer.ExpectAsync(HttpStatusCode.OK, admin.PostAsync("/v1/auth/enable", null));

        using var alice = _tls.Client(_tls.Ca.IssueClient("alice"));
        var status = await alice.GetFromJsonAsync<AuthStatusDto>("/v1/auth/status", WireJson.Options);
        Assert.True(status!.Enabled);
        Assert.Equal("alice", status.User);
        Assert.Equal("certificate", status.Via);
        await TlsServer.ExpectAsync(HttpStatusCode.Forbidden, alice.GetAsync("/v1/kv/secret"));

        // The root user's certificate is root.
        using var root = _tls.Client(_tls.Ca.IssueClient("root"));
        await TlsServer.ExpectAsync(HttpStatusCode.Created, root.PutAsync("/v1/kv/secret", new StringContent("s")));

        // A certificate of the right CA for no user is no credential; without one, the caller is anonymous.
        using var nobody = _tls.Client(_tls.Ca.IssueClient("nobody"));
        await TlsServer.ExpectAsync(HttpStatusCode.Unauthorized, nobody.GetAsync("/v1/kv/secret"));
        await TlsServer.ExpectAsync(HttpStatusCode.Unauthorized, admin.GetAsync("/v1/kv/secret"));
    }

    // Refused in the handshake: no HTTP answer, over TLS 1.2 (the server refuses before finishing) and TLS 1.3 (it
    // refuses after the client's part, so the first read fails).
    private async Task AssertRefusedAsync(TestCertificateFiles? certificate)
    {
        foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
        {
            var error = await Record.ExceptionAsync(() => _tls.HandshakeAsync(protocol, certificate?.Certificate));
            Assert.True(error is AuthenticationException or IOException, $"{protocol}: {(error is null ? "served" : error.GetType().Name + ": " + error.Message)}");
        }

        using var client = _tls.Client(certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/readyz"));
    }
}

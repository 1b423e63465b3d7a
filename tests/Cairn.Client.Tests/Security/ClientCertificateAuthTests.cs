using Cairn.Core;

namespace Cairn.Client.Tests.Security;

/// <summary>A client certificate is a credential: over mutual TLS with auth on, its subject's common name is the user.</summary>
public sealed class ClientCertificateAuthTests : IAsyncLifetime
{
    private readonly HttpsServer _https = new();

    public Task InitializeAsync() => _https.StartAsync(("Tls:ClientCaFile", _https.Ca.CaFile), ("Tls:ClientCertificates", "allow"));

    public Task DisposeAsync() => _https.DisposeAsync().AsTask();

    [Fact]
    public async Task AClientCertificate_IsTheUserItNames_AndWithoutOne_TheCallerIsAnonymous()
    {
        var alice = _https.Ca.IssueClient("alice");
        var options = new CairnClientOptions { Endpoint = _https.Endpoint, CaCertFile = _https.Ca.CaFile, Timeout = TimeSpan.FromSeconds(60) };
        using (var setup = new CairnClient(options))
        {
            await setup.AddUserAsync("root", "pw");
            await setup.GrantRoleAsync("root", "root");
            await setup.AddUserAsync("alice", null, ["root"]);
            await setup.EnableAuthAsync();
        }

        using var withCertificate = new CairnClient(new CairnClientOptions { Endpoint = _https.Endpoint, CaCertFile = _https.Ca.CaFile, CertFile = alice.CertFile, KeyFile = alice.KeyFile });
        using var without = new CairnClient(options);

        var status = await withCertificate.AuthStatusAsync();
        await withCertificate.PutAsync("/k", "v");
        await Assert.ThrowsAsync<UnauthenticatedException>(() => without.PutAsync("/k", "v"));

        Assert.Equal(("alice", "certificate"), (status.User, status.Via));
    }
}

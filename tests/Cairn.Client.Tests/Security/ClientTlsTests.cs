using Cairn.Core;

namespace Cairn.Client.Tests.Security;

/// <summary>The client's TLS options against a real https server: its CA file (and only it) is trusted, and its client
/// certificate is presented when the server asks for one.</summary>
public sealed class ClientTlsTests : IAsyncLifetime
{
    private readonly HttpsServer _https = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _https.DisposeAsync().AsTask();

    private CairnClient Client(string? caFile = null, string? certFile = null, string? keyFile = null) =>
        new(new CairnClientOptions { Endpoint = _https.Endpoint, CaCertFile = caFile, CertFile = certFile, KeyFile = keyFile, Timeout = TimeSpan.FromSeconds(60) });

    [Fact]
    public async Task WithTheCaFile_TheServerIsTrusted_AndWithoutIt_TheConnectionIsRefused()
    {
        await _https.StartAsync();
        using var trusting = Client(_https.Ca.CaFile);
        using var plain = Client();

        var status = await trusting.ServerStatusAsync();
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => plain.ServerStatusAsync());

        Assert.Equal("sqlite", status.Backend);
        Assert.Contains(_https.Endpoint, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACaFileOfAnotherAuthority_DoesNotTrustTheServer()
    {
        await _https.StartAsync();
        using var other = _https.Ca.CreateUnrelated();
        using var client = Client(other.CaFile);

        await Assert.ThrowsAsync<UnavailableException>(() => client.ServerStatusAsync());
    }

    [Fact]
    public async Task AClientCertificate_IsPresented_WhenTheServerRequiresOne()
    {
        await _https.StartAsync(("Tls:ClientCaFile", _https.Ca.CaFile), ("Tls:ClientCertificates", "require"));
        var mine = _https.Ca.IssueClient("alice");
        using var withCertificate = Client(_https.Ca.CaFile, mine.CertFile, mine.KeyFile);
        using var withOnePemFile = Client(_https.Ca.CaFile, mine.PemFile);
        using var without = Client(_https.Ca.CaFile);

        await withCertificate.ServerStatusAsync();
        await withOnePemFile.ServerStatusAsync();
        await Assert.ThrowsAsync<UnavailableException>(() => without.ServerStatusAsync());
    }

    [Fact]
    public async Task AClientCertificateOfAnotherAuthority_IsRefused()
    {
        await _https.StartAsync(("Tls:ClientCaFile", _https.Ca.CaFile), ("Tls:ClientCertificates", "allow"));
        using var other = _https.Ca.CreateUnrelated();
        var foreign = other.IssueClient("alice");
        using var client = Client(_https.Ca.CaFile, foreign.CertFile, foreign.KeyFile);

        await Assert.ThrowsAsync<UnavailableException>(() => client.ServerStatusAsync());
    }

    [Fact]
    public void MissingOrBrokenFiles_AreAnErrorAtOnce_NamingTheOption()
    {
        var missing = Path.Combine(_https.Ca.Directory, "missing.pem");
        var notPem = Path.Combine(_https.Ca.Directory, "not.pem");
        File.WriteAllText(notPem, "hello");

        var noCa = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = "https://127.0.0.1:1", CaCertFile = missing }));
        var badCa = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = "https://127.0.0.1:1", CaCertFile = notPem }));
        var noCert = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = "https://127.0.0.1:1", CertFile = missing }));
        var keyAlone = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = "https://127.0.0.1:1", KeyFile = notPem }));

        Assert.Contains("--cacert", noCa.Message, StringComparison.Ordinal);
        Assert.Contains("no PEM certificate", badCa.Message, StringComparison.Ordinal);
        Assert.Contains("--cert", noCert.Message, StringComparison.Ordinal);
        Assert.Contains("--key", keyAlone.Message, StringComparison.Ordinal);
    }
}

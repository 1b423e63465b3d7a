namespace Cairn.Server.Tests.Security.Tls;

/// <summary>Settings that cannot give a safe listener stop start-up with one line that names the setting: plain HTTP on
/// the network, an https listener without a usable certificate, a client-certificate mode without its CA.</summary>
public sealed class TlsStartupTests : IAsyncLifetime
{
    private readonly TlsServer _tls = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _tls.DisposeAsync().AsTask();

    [Theory]
    [InlineData("Listen:0", "http://0.0.0.0:0")]
    [InlineData("Listen:0", "http://[::]:0")]
    [InlineData("Journal:Listen:0", "http://0.0.0.0:0")]
    [InlineData("Pulzar:Listen:0", "http://0.0.0.0:0")]
    public async Task PlainHttp_OnTheNetwork_IsRefused(string setting, string listener)
    {
        var error = await StartFailsAsync((setting, listener));

        Assert.Contains(listener, error.Message, StringComparison.Ordinal);
        Assert.Contains(setting[..setting.LastIndexOf(':')], error.Message, StringComparison.Ordinal);
        Assert.Contains("https://", error.Message, StringComparison.Ordinal);
        Assert.Contains("Http:AllowPlaintext=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainHttp_OnTheNetwork_StartsWhenAllowed_AndLoopbackNeedsNothing()
    {
        var server = await _tls.StartAsync(("Listen:0", "http://0.0.0.0:0"), ("Listen:1", "http://127.0.0.1:0"), ("Http:AllowPlaintext", "true"));

        Assert.Contains(server.Addresses, a => a.StartsWith("http://0.0.0.0:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HttpsListener_WithoutACertificate_IsRefused()
    {
        var error = await StartFailsAsync(("Tls:CertFile", null), ("Tls:KeyFile", null));

        Assert.Contains("https://127.0.0.1:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Tls:CertFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCertificateFile_IsRefused_NamingIt()
    {
        var missing = Path.Combine(_tls.Ca.Directory, "nope.crt");
        var error = await StartFailsAsync(("Tls:CertFile", missing));

        Assert.Contains("Tls:CertFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageCertificateFile_IsRefused()
    {
        var garbage = Path.Combine(_tls.Ca.Directory, "garbage.crt");
        await File.WriteAllTextAsync(garbage, "this is not a certificate\n");
        var error = await StartFailsAsync(("Tls:CertFile", garbage));

        Assert.Contains("Tls:CertFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("no certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyOfAnotherCertificate_IsRefused_NamingTheKeyFile()
    {
        var other = _tls.Ca.IssueServer("other");
        var error = await StartFailsAsync(("Tls:KeyFile", other.KeyFile));

        Assert.Contains("Tls:KeyFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("not the private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateWithoutKey_AndNoKeyFile_IsRefused()
    {
        var error = await StartFailsAsync(("Tls:KeyFile", null));

        Assert.Contains("Tls:KeyFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificate_AsServerCertificate_IsRefused()
    {
        var client = _tls.Ca.IssueClient("alice");
        var error = await StartFailsAsync(("Tls:CertFile", client.CertFile), ("Tls:KeyFile", client.KeyFile));

        Assert.Contains("serverAuth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnePemWithCertificateAndKey_IsEnough()
    {
        await _tls.StartAsync(("Tls:CertFile", _tls.ServerCertificate.PemFile), ("Tls:KeyFile", null));

        using var client = _tls.Client();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Theory]
    [InlineData("require")]
    [InlineData("allow")]
    public async Task ClientCertificates_WithoutAClientCa_IsRefused(string mode)
    {
        var error = await StartFailsAsync(("Tls:ClientCertificates", mode));

        Assert.Contains("Tls:ClientCaFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownClientCertificateMode_IsRefused()
    {
        var error = await StartFailsAsync(("Tls:ClientCaFile", _tls.Ca.CaFile), ("Tls:ClientCertificates", "sometimes"));

        Assert.Contains("Tls:ClientCertificates", error.Message, StringComparison.Ordinal);
        Assert.Contains("sometimes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableClientCa_IsRefused()
    {
        var missing = Path.Combine(_tls.Ca.Directory, "no-ca.crt");
        var error = await StartFailsAsync(("Tls:ClientCaFile", missing));

        Assert.Contains("Tls:ClientCaFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    private Task<StartupException> StartFailsAsync(params (string Key, string? Value)[] settings) =>
        Assert.ThrowsAsync<StartupException>(() => _tls.StartAsync(settings));
}

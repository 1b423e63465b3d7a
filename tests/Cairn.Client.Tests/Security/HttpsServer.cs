using Cairn.Server;

namespace Cairn.Client.Tests.Security;

/// <summary>A Cairn server in this process on one <c>https://127.0.0.1:0</c> listener, with a certificate from a test CA
/// made for it (in a temporary directory, removed afterwards).</summary>
internal sealed class HttpsServer : IAsyncDisposable
{
    private CairnServer? _server;

    public HttpsServer()
    {
        Ca = TestCertificates.CreateInTemp();
        ServerCertificate = Ca.IssueServer();
    }

    public TestCertificates Ca { get; }

    public TestCertificateFiles ServerCertificate { get; }

    /// <summary><c>https://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => (_server ?? throw new InvalidOperationException("Not started.")).Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal));

    public async Task StartAsync(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(Ca.Directory, "data"),
            ["Durability"] = "None",
            ["Listen:0"] = "https://127.0.0.1:0",
            ["Tls:CertFile"] = ServerCertificate.CertFile,
            ["Tls:KeyFile"] = ServerCertificate.KeyFile,
            ["Auth:BcryptCost"] = "4",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _server = await CairnServer.StartAsync([], all);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Ca.Dispose();
        Ca.DeleteDirectory();
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Server.Tests.Security.Tls;

/// <summary>
/// A test CA (made by the test, in a temporary directory) and a Cairn server started in-process on an
/// <c>https://127.0.0.1:0</c> listener with a certificate it issued; clients that trust that CA only, and raw TLS
/// handshakes to look at what the server serves.
/// </summary>
internal sealed class TlsServer : IAsyncDisposable
{
    private CairnServer? _server;

    public TlsServer()
    {
        Ca = TestCertificates.CreateInTemp();
        ServerCertificate = Ca.IssueServer();
        DataDir = Path.Combine(Ca.Directory, "data");
    }

    /// <summary>The CA that issued the server's certificate (and the client certificates tests make).</summary>
    public TestCertificates Ca { get; }

    /// <summary>The server certificate's files (<c>server.crt</c>, <c>server.key</c>).</summary>
    public TestCertificateFiles ServerCertificate { get; }

    public string DataDir { get; }

    public CairnServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The server's <c>https://127.0.0.1:PORT</c>.</summary>
    public Uri Https => new(Server.Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));

    /// <summary>The settings of a server with one https listener and this CA's server certificate, and
    /// <paramref name="settings"/> on top.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["DataDir"] = DataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "https://127.0.0.1:0",
            ["Tls:CertFile"] = ServerCertificate.CertFile,
            ["Tls:KeyFile"] = ServerCertificate.KeyFile,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    /// <summary>Starts the server with <see cref="Settings"/>.</summary>
    public async Task<CairnServer> StartAsync(params (string Key, string? Value)[] settings)
    {
        _server = await CairnServer.StartAsync([], Settings(settings));
        return _server;
    }

    /// <summary>A client of the https listener that trusts this CA only and presents <paramref name="clientCertificate"/>.</summary>
    public HttpClient Client(TestCertificateFiles? clientCertificate = null) =>
        new(Ca.CreateHttpHandler(clientCertificate)) { BaseAddress = Https, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>One TLS handshake to <paramref name="endpoint"/> (the server's https listener by default), trusting this CA
    /// only: the version agreed and the certificate served. Throws when the handshake fails.</summary>
    public async Task<(SslProtocols Protocol, X509Certificate2 Certificate)> HandshakeAsync(
        SslProtocols protocols = SslProtocols.None, X509Certificate2? clientCertificate = null, Uri? endpoint = null)
    {
        endpoint ??= Https;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        await using var tls = new SslStream(tcp.GetStream());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocols,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 c && Ca.Verifies(c),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
            timeout.Token);

        // TLS 1.3 refuses a client certificate after the client's part of the handshake: a request and its answer show
        // whether the server kept the connection.
        await tls.WriteAsync("GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);
        var buffer = new byte[12];
        var read = await tls.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, timeout.Token);
        if (read < buffer.Length || !System.Text.Encoding.ASCII.GetString(buffer).StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
        {
            throw new AuthenticationException("The server closed the connection after the handshake.");
        }

        return (tls.SslProtocol, X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData()));
    }

    /// <summary>Asserts <paramref name="response"/>'s status, showing its body when it is another.</summary>
    public static async Task ExpectAsync(HttpStatusCode expected, Task<HttpResponseMessage> response)
    {
        using var answer = await response;
        Assert.True(answer.StatusCode == expected, $"{answer.RequestMessage?.Method} {answer.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
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

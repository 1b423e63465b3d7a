using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Tls;

/// <summary>An <c>https://</c> listener with a certificate from a CA the test made: served over TLS 1.2 and 1.3 only,
/// to clients that trust that CA; plain HTTP to the same port gets no HTTP answer.</summary>
public sealed class TlsListenerTests : IAsyncLifetime
{
    private readonly TlsServer _tls = new();

    public Task InitializeAsync() => _tls.StartAsync(("Pulzar:Listen:0", "https://127.0.0.1:0"));

    public Task DisposeAsync() => _tls.DisposeAsync().AsTask();

    [Fact]
    public async Task Https_WithTheCa_ServesTheApi()
    {
        using var client = _tls.Client();

        using var put = await client.PutAsync("/v1/kv/tls/hello", new StringContent("world"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("world", await client.GetStringAsync("/v1/kv/tls/hello"));
        Assert.StartsWith("https://127.0.0.1:", _tls.Https.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_WithoutTrustingTheCa_IsRefusedByTheClient()
    {
        using var client = new HttpClient { BaseAddress = _tls.Https, Timeout = TimeSpan.FromSeconds(60) };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/readyz"));
        Assert.IsType<AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task PlainHttp_ToTheTlsPort_GetsNoHttpAnswer()
    {
        // As curl http://… would: a request in clear to the TLS port. Kestrel reads it as a broken TLS hello and closes.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _tls.Https.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /v1/kv/tls/hello HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer, timeout.Token);
        }
        catch (IOException)
        {
            // reset by the server: no answer either
        }

        Assert.DoesNotContain("HTTP/", System.Text.Encoding.ASCII.GetString(answer.ToArray()), StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + _tls.Https.Port), Timeout = TimeSpan.FromSeconds(60) };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/readyz"));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls12And13_AreSpoken(SslProtocols protocol)
    {
        var (agreed, certificate) = await _tls.HandshakeAsync(protocol);

        Assert.Equal(protocol, agreed);
        Assert.Equal(_tls.ServerCertificate.Certificate.SerialNumber, certificate.SerialNumber);
    }

    [Fact]
    public async Task Tls11_IsRefused()
    {
        // The server offers TLS 1.2 and 1.3 only. (This machine's OpenSSL may refuse TLS 1.1 on the client's side
        // already; the handshake fails either way, and the server's setting is asserted as well.)
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, TlsSetup.Protocols);
#pragma warning disable SYSLIB0039, CA5397 // TLS 1.1 is what is being refused
        var error = await Record.ExceptionAsync(() => _tls.HandshakeAsync(SslProtocols.Tls11));
#pragma warning restore SYSLIB0039, CA5397
        Assert.True(error is AuthenticationException or IOException or System.ComponentModel.Win32Exception, $"TLS 1.1 handshake: {error?.GetType().Name ?? "succeeded"}");
    }

    [Fact]
    public async Task CompatListener_SpeaksTlsToo_AndIsPublishedAsHttps()
    {
        var pulzar = new Uri(Assert.Single(_tls.Server.CompatAddresses("pulzar")));
        Assert.Equal("https", pulzar.Scheme);
        Assert.DoesNotContain(_tls.Server.Addresses, a => a == pulzar.ToString().TrimEnd('/'));

        var (agreed, certificate) = await _tls.HandshakeAsync(endpoint: pulzar);
        Assert.True(agreed is SslProtocols.Tls12 or SslProtocols.Tls13);
        Assert.Equal(_tls.ServerCertificate.Certificate.SerialNumber, certificate.SerialNumber);
    }
}

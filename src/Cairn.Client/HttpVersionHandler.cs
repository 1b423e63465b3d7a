using System.Net;

namespace Cairn.Client;

/// <summary>
/// Sends every request of a <see cref="CairnClient"/> as HTTP/2, so that concurrent requests share one connection
/// instead of opening one each: over TLS as HTTP/2 or lower (ALPN picks; a server or proxy that offers only HTTP/1.1
/// gets HTTP/1.1), in cleartext (<c>http://</c>, <c>unix:</c>) as HTTP/2 exactly, with prior knowledge (h2c), since
/// cleartext has no negotiation and Cairn's server is known to speak it. <see cref="CairnClientOptions.UseHttp2"/> off
/// leaves this handler out and requests go as HTTP/1.1.
/// </summary>
internal sealed class HttpVersionHandler(bool cleartext, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = cleartext ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
        return base.SendAsync(request, cancellationToken);
    }
}

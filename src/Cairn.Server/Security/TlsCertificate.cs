using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Server.Security;

/// <summary>This server's certificate with its private key, and the context a handshake serves it from (the certificate
/// and its intermediate CA certificates, from <c>Tls:CertFile</c>).</summary>
/// <param name="Certificate">The certificate, with its private key.</param>
/// <param name="Context">It and its chain, as TLS handshakes send them.</param>
internal sealed record TlsCertificate(X509Certificate2 Certificate, SslStreamCertificateContext Context);

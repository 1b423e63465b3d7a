using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cairn.Tls;

namespace Cairn.ZooKeeper;

/// <summary>
/// TLS to the servers' secure client port (<c>secureClientPort</c>, served by ZooKeeper's Netty connection factory),
/// as the Java client's <c>zookeeper.client.secure=true</c>: the servers' certificates are checked against
/// <see cref="TrustedAuthorities"/> (or the system's roots) and must name the host dialled, and
/// <see cref="ClientCertificate"/> is presented to servers that ask for one (<c>ssl.clientAuth=need</c>).
/// </summary>
public sealed record ZooKeeperTlsOptions
{
    /// <summary>The CAs that alone are trusted for the servers' certificates; null trusts the system's roots.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    /// <summary>The certificate, with its private key, presented to the servers; null presents none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Intermediate certificates sent along with <see cref="ClientCertificate"/>.</summary>
    public X509Certificate2Collection? ClientCertificateChain { get; init; }

    /// <summary>
    /// Reads the options from PEM files: <paramref name="caFile"/> (the CAs to trust; null for the system's roots) and
    /// <paramref name="certFile"/> (the client certificate, followed by intermediates, and its key unless
    /// <paramref name="keyFile"/> holds it; null for none).
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing, unreadable, or not what it should be; the message names it.</exception>
    public static ZooKeeperTlsOptions FromPemFiles(string? caFile, string? certFile, string? keyFile)
    {
        if (keyFile is not null && certFile is null)
        {
            throw new ArgumentException($"The key file '{keyFile}' is set without a certificate file.", nameof(keyFile));
        }

        X509Certificate2Collection? authorities = null;
        if (caFile is not null && PemTls.ReadAuthorities(caFile, out authorities) is { } caProblem)
        {
            throw new ArgumentException($"The CA file '{caFile}' {caProblem}", nameof(caFile));
        }

        if (certFile is null)
        {
            return new ZooKeeperTlsOptions { TrustedAuthorities = authorities };
        }

        if (PemTls.ReadCertificate(certFile, keyFile, out var certificate, out var intermediates) is { } problem)
        {
            var which = keyFile is null ? $"'{certFile}' (certificate and key in one file)" : $"'{certFile}' with the key file '{keyFile}'";
            throw new ArgumentException($"The client certificate {which} {problem}", nameof(certFile));
        }

        return new ZooKeeperTlsOptions
        {
            TrustedAuthorities = authorities,
            ClientCertificate = certificate,
            ClientCertificateChain = intermediates,
        };
    }

    // The handshake's options for one server.
    internal SslClientAuthenticationOptions For(string host)
    {
        var ssl = new SslClientAuthenticationOptions { TargetHost = host };
        if (TrustedAuthorities is { } authorities)
        {
            // Only the given CAs, not the machine's; the certificate must still name the host dialled.
            ssl.RemoteCertificateValidationCallback = PemTls.TrustOnly(authorities);
        }

        if (ClientCertificate is { } certificate)
        {
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, ClientCertificateChain, offline: true);
        }

        return ssl;
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.ZooKeeper;

/// <summary>
/// TLS to the servers' secure client port (<c>secureClientPort</c>, served by ZooKeeper's Netty connection factory),
/// as the Java client's <c>zookeeper.client.secure=true</c>: the servers' certificates are checked against
/// <see cref="TrustedAuthorities"/> (or the system's roots) and must name the host dialled, and
/// <see cref="ClientCertificate"/> is presented to servers that ask for one (<c>ssl.clientAuth=need</c>).
/// </summary>
public sealed record ZooKeeperTlsOptions
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

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
        if (caFile is not null)
        {
            authorities = [];
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ArgumentException($"The CA file '{caFile}' cannot be read: {ex.Message}", nameof(caFile), ex);
            }

            if (authorities.Count == 0)
            {
                throw new ArgumentException($"The CA file '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).", nameof(caFile));
            }
        }

        if (certFile is null)
        {
            return new ZooKeeperTlsOptions { TrustedAuthorities = authorities };
        }

        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            var which = keyFile is null ? $"'{certFile}' (certificate and key in one file)" : $"'{certFile}' with the key file '{keyFile}'";
            throw new ArgumentException($"The client certificate {which} cannot be used: {ex.Message}", nameof(certFile), ex);
        }

        return new ZooKeeperTlsOptions
        {
            TrustedAuthorities = authorities,
            ClientCertificate = certificate,
            ClientCertificateChain = [.. chain.Skip(1)],
        };
    }

    // The handshake's options for one server.
    internal SslClientAuthenticationOptions For(string host)
    {
        var ssl = new SslClientAuthenticationOptions { TargetHost = host };
        if (TrustedAuthorities is { } authorities)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(authorities, certificate, errors);
        }

        if (ClientCertificate is { } certificate)
        {
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, ClientCertificateChain, offline: true);
        }

        return ssl;
    }

    // Only the given CAs, not the machine's; the certificate must still name the host dialled.
    private static bool Trusted(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return chain.Build(leaf);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }
}

// Shared source (as ASP.NET Core's src/Shared and dotnet/runtime's Common): compiled into every assembly that talks
// TLS with certificates from PEM files (the server, the client, the etcd and ZooKeeper backends), so that the one rule
// of trust lives in one file while Cairn.ZooKeeper stays a library that depends on nothing of Cairn's. Its comments
// are plain ones, not XML documentation: the OpenAPI generator gathers the XML docs of the server and the assemblies
// it references into one dictionary, and the same member documented in several of them throws there.
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Tls;

// Reads CA bundles and certificates from PEM files, and checks a peer's certificate against a CA bundle of Cairn's
// settings only, never the system's roots. Problems come back as words ('cannot be read: …') that the caller puts
// after the name of its setting.
internal static class PemTls
{
    // The extended key usage of a TLS server certificate.
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    // The extended key usage of a TLS client certificate.
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    // Reads the CA certificates of path; null when that worked, else what is wrong with the
    // file ('cannot be read: …', 'holds no PEM certificate …').
    public static string? ReadAuthorities(string path, out X509Certificate2Collection authorities)
    {
        authorities = [];
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return $"cannot be read: {ex.Message}";
        }

        return authorities.Count == 0 ? "holds no PEM certificate (-----BEGIN CERTIFICATE-----)." : null;
    }

    // Reads the certificate of certFile (followed by its intermediate CA certificates, if
    // any) with its private key from keyFile (null: from certFile); null when that
    // worked, else what is wrong ('cannot be used: …', 'has no private key: …').
    public static string? ReadCertificate(string certFile, string? keyFile, out X509Certificate2? certificate, out X509Certificate2Collection intermediates)
    {
        certificate = null;
        intermediates = [];
        var chain = new X509Certificate2Collection();
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // ArgumentException: a key, but of another certificate.
            certificate?.Dispose();
            certificate = null;
            return $"cannot be used: {ex.Message}";
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            certificate = null;
            return "has no private key: give the file of the certificate's key too.";
        }

        foreach (var extra in chain.Skip(1))
        {
            intermediates.Add(extra);
        }

        chain[0].Dispose();
        return null;
    }

    // Why certificate is not valid for usage under roots;
    // null when it is: it must chain to one of them, be within its validity dates, and allow the usage if it restricts
    // usages.
    // certificate: The peer's certificate.
    // roots: The CA certificates it must chain to.
    // usage: The extended key usage it must allow (ClientAuth, ServerAuth).
    // presented: The chain TLS built from what the peer sent (its intermediate CA certificates), if any; used
    // to find intermediates only, never as trust.
    public static string? ChainProblem(X509Certificate certificate, X509Certificate2Collection roots, string usage, X509Chain? presented)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(roots);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(new Oid(usage));
        if (presented is not null)
        {
            policy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements.Skip(1))
            {
                policy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            // Certificate validity is the calendar's (the peers that issued them use it too), not a fake clock's.
            if (chain.Build(leaf))
            {
                return null;
            }

            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
            return reasons.Count > 0 ? string.Join("; ", reasons) : "it does not chain to the configured CA";
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    // A client's check of a server's certificate that trusts roots alone: the certificate
    // must name the host dialled and chain to one of them for TLS servers.
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection roots) =>
        (_, certificate, presented, errors) =>
            certificate is not null
            && (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) == 0
            && ChainProblem(certificate, roots, ServerAuth, presented) is null;
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cairn.Tls;

namespace Cairn.Server.Security;

/// <summary>Reads the PEM files of the <c>Tls</c> settings, with one clear error per problem that names the setting and
/// the file.</summary>
internal static class TlsFiles
{
    /// <summary>The certificate in <paramref name="certFile"/> (followed by its intermediate CA certificates, if any) with
    /// the private key in <paramref name="keyFile"/> (null: in <paramref name="certFile"/>).</summary>
    /// <exception cref="StartupException">A file cannot be read, holds no certificate or key, the key is not the
    /// certificate's, or the certificate is not for TLS servers.</exception>
    public static TlsCertificate LoadCertificate(string certFile, string? keyFile)
    {
        var certPem = Read("Tls:CertFile", certFile);
        var keyPem = keyFile is null ? certPem : Read("Tls:KeyFile", keyFile);
        var chain = Certificates("Tls:CertFile", certFile, certPem);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // ArgumentException: a key, but of another certificate.
            throw keyFile is null
                ? new StartupException($"Tls:CertFile '{certFile}' holds no private key Cairn can use ({ex.Message}); set Tls:KeyFile to the file of the certificate's key.", ex)
                : new StartupException($"Tls:KeyFile '{keyFile}' is not the private key of the certificate in Tls:CertFile '{certFile}', or not a key Cairn can read (PEM: PKCS#8, RSA or EC, not encrypted): {ex.Message}", ex);
        }

        if (!AllowsUsage(certificate, PemTls.ServerAuth))
        {
            throw new StartupException($"The certificate in Tls:CertFile '{certFile}' ({certificate.Subject}) is not for TLS servers: its extended key usage lacks serverAuth.");
        }

        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use a key that lives only in memory, as one read from PEM does.
            var exported = certificate.Export(X509ContentType.Pkcs12);
            certificate.Dispose();
            certificate = X509CertificateLoader.LoadPkcs12(exported, null);
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var other in chain.Skip(1))
        {
            intermediates.Add(other);
        }

        chain[0].Dispose();
        return new TlsCertificate(certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
    }

    /// <summary>The CA certificates of the PEM bundle <paramref name="path"/>, the value of <paramref name="setting"/>.</summary>
    /// <exception cref="StartupException">The file cannot be read or holds no certificate.</exception>
    public static X509Certificate2Collection LoadBundle(string setting, string path) => Certificates(setting, path, Read(setting, path));

    /// <summary>Whether <paramref name="certificate"/> may be used for <paramref name="usage"/>: it has no extended key
    /// usage (then it may be used for anything), or that usage is among them.</summary>
    public static bool AllowsUsage(X509Certificate2 certificate, string usage)
    {
        var extensions = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return extensions.Count == 0 || extensions.Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == usage));
    }

    private static string Read(string setting, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{setting} '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    private static X509Certificate2Collection Certificates(string setting, string path, string pem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new StartupException($"{setting} '{path}' holds a certificate that cannot be read: {ex.Message}", ex);
        }

        return certificates.Count > 0
            ? certificates
            : throw new StartupException($"{setting} '{path}' holds no certificate (a PEM block -----BEGIN CERTIFICATE-----).");
    }
}

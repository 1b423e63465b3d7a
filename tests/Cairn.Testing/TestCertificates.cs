using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Cairn.Testing;

/// <summary>
/// A certificate authority made by a test, in a directory of its own: it issues server certificates (SANs
/// 127.0.0.1, ::1 and localhost, EKU serverAuth) and client certificates (a CN, EKU clientAuth), and writes each as
/// PEM files (<c>NAME.crt</c>, <c>NAME.key</c>, and <c>NAME.pem</c> = certificate then key) that Kestrel, etcd,
/// ZooKeeper and Cairn's options can read. <see cref="CreateUnrelated"/> makes a second CA that trusts nothing of the
/// first, for "a certificate from another CA is refused".
/// </summary>
/// <remarks>
/// Keys are ECDSA P-256 by default (fast to make, understood by Go and Java); <c>rsa: true</c> makes RSA 2048 ones.
/// Private keys are written as unencrypted PKCS#8 (<c>BEGIN PRIVATE KEY</c>) with mode 0600. Files are written to a
/// temporary name and renamed into place, so a watcher that reloads a rotated certificate never reads half a file;
/// issuing again under the same name rotates it.
/// </remarks>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly bool _rsa;

    private TestCertificates(string directory, string name, bool rsa)
    {
        Directory = directory;
        _rsa = rsa;
        var now = DateTimeOffset.UtcNow;
        using var key = NewKey(rsa);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Cairn tests");
        subject.AddCommonName(name);
        var request = NewRequest(subject.Build(), key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(now.AddDays(-2), now.AddYears(10));
        CaFile = Path.Combine(directory, "ca.crt");
        WriteAtomically(CaFile, Authority.ExportCertificatePem() + "\n", secret: false);
        WriteAtomically(Path.Combine(directory, "ca.key"), ExportKeyPem(Authority) + "\n", secret: true);
    }

    /// <summary>The directory holding this CA's files.</summary>
    public string Directory { get; }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The CA's certificate as PEM (<c>DIRECTORY/ca.crt</c>): what a client or server is told to trust.</summary>
    public string CaFile { get; }

    /// <summary>Makes a new CA whose files go to <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">Where the CA and everything it issues is written.</param>
    /// <param name="name">The CA's common name.</param>
    /// <param name="rsa">RSA 2048 keys instead of ECDSA P-256 ones.</param>
    public static TestCertificates Create(string directory, string name = "Cairn Test CA", bool rsa = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        return new TestCertificates(directory, name, rsa);
    }

    /// <summary>Makes a new CA in a fresh directory under the temp directory (the caller removes it: <see cref="DeleteDirectory"/>).</summary>
    public static TestCertificates CreateInTemp(string name = "Cairn Test CA", bool rsa = false) =>
        Create(Path.Combine(Path.GetTempPath(), "cairn-certs-" + Guid.NewGuid().ToString("N")[..12]), name, rsa);

    /// <summary>
    /// A second, unrelated CA (its own key and name) in the subdirectory <c>other</c> (or <paramref name="subdirectory"/>):
    /// certificates it issues must be refused by anything that trusts only this one.
    /// </summary>
    public TestCertificates CreateUnrelated(string subdirectory = "other", string name = "Unrelated Test CA") =>
        Create(Path.Combine(Directory, subdirectory), name, _rsa);

    /// <summary>
    /// Issues a server certificate for 127.0.0.1, ::1 and localhost (and <paramref name="extraDnsNames"/>), EKU
    /// serverAuth (and clientAuth, so that a node may present it to its peers), written as <c>NAME.crt/.key/.pem</c>.
    /// </summary>
    /// <param name="name">The files' base name and the certificate's CN.</param>
    /// <param name="extraDnsNames">More DNS names for the SAN (e.g. a host name).</param>
    /// <param name="notAfter">When it expires (default a year from now).</param>
    public TestCertificateFiles IssueServer(string name = "server", IEnumerable<string>? extraDnsNames = null, DateTimeOffset? notAfter = null)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddDnsName("localhost");
        foreach (var dns in extraDnsNames ?? [])
        {
            san.AddDnsName(dns);
        }

        return Issue(name, name, [ServerAuth, ClientAuth], san.Build(), notAfter);
    }

    /// <summary>Issues a client certificate with CN <paramref name="commonName"/>, EKU clientAuth, written as <c>FILENAME.crt/.key/.pem</c>.</summary>
    /// <param name="commonName">The subject's CN (Cairn maps it to the user of that name).</param>
    /// <param name="fileName">The files' base name (default <c>client-CN</c>).</param>
    /// <param name="notAfter">When it expires (default a year from now).</param>
    public TestCertificateFiles IssueClient(string commonName, string? fileName = null, DateTimeOffset? notAfter = null) =>
        Issue(fileName ?? "client-" + commonName, commonName, [ClientAuth], null, notAfter);

    /// <summary>Whether <paramref name="certificate"/> chains to this CA (and only this CA is trusted).</summary>
    public bool Verifies(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>
    /// An HTTP handler that trusts this CA only (not the machine's roots) and, when given, presents
    /// <paramref name="clientCertificate"/>.
    /// </summary>
    public SocketsHttpHandler CreateHttpHandler(TestCertificateFiles? clientCertificate = null)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Verifies(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())),
        };
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate.Certificate];
        }

        return new SocketsHttpHandler { SslOptions = ssl };
    }

    /// <summary>Removes the directory with everything written to it (for <see cref="CreateInTemp"/>).</summary>
    public void DeleteDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Authority.Dispose();

    private TestCertificateFiles Issue(string fileName, string commonName, Oid[] usages, X509Extension? san, DateTimeOffset? notAfter)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = NewKey(_rsa);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Cairn tests");
        subject.AddCommonName(commonName);
        var request = NewRequest(subject.Build(), key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var keyUsage = _rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        var expires = notAfter ?? now.AddYears(1);
        using var issued = request.Create(Authority, now.AddDays(-1), expires < Authority.NotAfter ? expires : Authority.NotAfter.ToUniversalTime(), serial);
        var certificate = _rsa ? issued.CopyWithPrivateKey((RSA)key) : issued.CopyWithPrivateKey((ECDsa)key);

        var certPem = certificate.ExportCertificatePem() + "\n";
        var keyPem = ExportKeyPem(certificate) + "\n";
        var files = new TestCertificateFiles(
            Path.Combine(Directory, fileName + ".crt"),
            Path.Combine(Directory, fileName + ".key"),
            Path.Combine(Directory, fileName + ".pem"),
            certificate);
        WriteAtomically(files.KeyFile, keyPem, secret: true);
        WriteAtomically(files.CertFile, certPem, secret: false);
        WriteAtomically(files.PemFile, certPem + keyPem, secret: true);
        return files;
    }

    private static AsymmetricAlgorithm NewKey(bool rsa) => rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static CertificateRequest NewRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        _ => throw new ArgumentException("Unsupported key type.", nameof(key)),
    };

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException("The certificate has no private key.");
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static void WriteAtomically(string path, string contents, bool secret)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(contents));
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>The PEM files of one issued certificate, and the certificate itself with its private key.</summary>
/// <param name="CertFile">The certificate (<c>NAME.crt</c>).</param>
/// <param name="KeyFile">Its private key, PKCS#8 (<c>NAME.key</c>, mode 0600).</param>
/// <param name="PemFile">Certificate then key in one file (<c>NAME.pem</c>, mode 0600).</param>
/// <param name="Certificate">The certificate with its private key, for an in-process client or server.</param>
public sealed record TestCertificateFiles(string CertFile, string KeyFile, string PemFile, X509Certificate2 Certificate);

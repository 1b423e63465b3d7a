using System.Security.Cryptography.X509Certificates;
using Cairn.Tls;

namespace Cairn.Client;

/// <summary>
/// The TLS side of <see cref="CairnClientOptions"/>: a CA file that replaces the system's roots for the server's
/// certificate, and a client certificate (PEM certificate and key) for mutual TLS. The files are read when the client is
/// made, so a wrong path or a broken file is an error at once, naming the option, rather than a failed handshake later.
/// </summary>
internal sealed class ClientTls : IDisposable
{
    private readonly X509Certificate2Collection? _roots;
    private readonly X509Certificate2? _certificate;

    private ClientTls(X509Certificate2Collection? roots, X509Certificate2? certificate)
    {
        _roots = roots;
        _certificate = certificate;
    }

    /// <summary>Reads the files <paramref name="options"/> name; null when it names none.</summary>
    /// <exception cref="ArgumentException">A file is missing or is not what the option needs; the message says which.</exception>
    public static ClientTls? Load(CairnClientOptions options)
    {
        if (options.KeyFile is { Length: > 0 } && options.CertFile is not { Length: > 0 })
        {
            throw new ArgumentException("A client key (KeyFile, --key) was given without its certificate (CertFile, --cert).");
        }

        X509Certificate2Collection? roots = null;
        if (options.CaCertFile is { Length: > 0 } caFile && PemTls.ReadAuthorities(caFile, out roots) is { } caProblem)
        {
            throw new ArgumentException($"The CA file (CaCertFile, --cacert) '{caFile}' {caProblem}");
        }

        X509Certificate2? certificate = null;
        if (options.CertFile is { Length: > 0 } certFile
            && PemTls.ReadCertificate(certFile, options.KeyFile is { Length: > 0 } keyFile ? keyFile : null, out certificate, out _) is { } problem)
        {
            var key = options.KeyFile is { Length: > 0 } k ? $" with the key in '{k}'" : " (with its key in the same file; or give --key)";
            throw new ArgumentException($"The client certificate (CertFile, --cert) '{certFile}'{key} {problem}");
        }

        return roots is null && certificate is null ? null : new ClientTls(roots, certificate);
    }

    /// <summary>Makes <paramref name="handler"/> trust only the CA file's roots (when given) and present the client
    /// certificate (when given).</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        if (_roots is { } roots)
        {
            // The server's certificate must chain to one of the given roots (the system's are not consulted) and name the host.
            handler.SslOptions.RemoteCertificateValidationCallback = PemTls.TrustOnly(roots);
        }

        if (_certificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };

            // Present it whatever CA names the server lists: a server with a custom validator lists none, and then the
            // default selection could send nothing.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
    }

    public void Dispose()
    {
        _certificate?.Dispose();
        if (_roots is not null)
        {
            foreach (var root in _roots)
            {
                root.Dispose();
            }
        }
    }
}

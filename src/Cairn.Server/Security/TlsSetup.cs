using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cairn.Server.Hosting;
using Cairn.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Security;

/// <summary>
/// TLS as the <c>Tls</c> settings say, for the <c>https://</c> listeners and for this node's calls to other nodes: this
/// server's certificate (reloaded when its files change), the client CA of mutual TLS and whether a client certificate
/// is asked for, and the CA other nodes' certificates must chain to. Only TLS 1.2 and 1.3 are spoken.
/// </summary>
/// <remarks>
/// A client certificate that is presented but does not chain to <c>Tls:ClientCaFile</c> (or has expired, or is not for
/// clients) ends the handshake in <c>allow</c> mode too: a certificate that does not validate is an attempt, not an
/// absence, and a client that has none simply sends none. Kestrel then exposes a validated certificate as
/// <c>HttpContext.Connection.ClientCertificate</c>, whose subject common name the authentication middleware maps to a
/// user.
/// </remarks>
internal sealed class TlsSetup
{
    /// <summary>The TLS versions spoken, on listeners and to other nodes.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly TlsReloader<TlsCertificate>? _certificate;
    private readonly TlsReloader<X509Certificate2Collection>? _clientCa;
    private readonly TlsReloader<X509Certificate2Collection>? _nodeCa;
    private ILogger _logger = NullLogger.Instance;
    private AuditLog? _audit;
    private int _attached;

    private TlsSetup(TlsClientCertificateMode clientCertificates, TlsReloader<TlsCertificate>? certificate, TlsReloader<X509Certificate2Collection>? clientCa, TlsReloader<X509Certificate2Collection>? nodeCa)
    {
        ClientCertificates = clientCertificates;
        _certificate = certificate;
        _clientCa = clientCa;
        _nodeCa = nodeCa;
    }

    /// <summary>Whether the <c>https://</c> listeners ask for a client certificate.</summary>
    public TlsClientCertificateMode ClientCertificates { get; }

    /// <summary>This server's certificate now (null without <c>Tls:CertFile</c>).</summary>
    public X509Certificate2? Certificate => _certificate?.Current.Certificate;

    /// <summary>Reads the <c>Tls</c> settings and their files, and checks the listeners against them: an
    /// <c>https://</c> listener needs a certificate, and a plain <c>http://</c> one on the network needs
    /// <paramref name="allowPlaintext"/>.</summary>
    /// <param name="configuration">The server's configuration (its <c>Tls</c> section).</param>
    /// <param name="listeners">Every listener, with the setting it comes from (<c>Listen</c>, <c>Journal:Listen</c>, …).</param>
    /// <param name="allowPlaintext"><c>Http:AllowPlaintext</c>.</param>
    /// <param name="time">The server's clock, for the reload checks.</param>
    /// <exception cref="StartupException">A setting or file cannot work; the message names it.</exception>
    public static TlsSetup Create(IConfiguration configuration, IEnumerable<(ListenerAddress Listener, string Setting)> listeners, bool allowPlaintext, TimeProvider time)
    {
        var options = new TlsOptions();
        try
        {
            configuration.GetSection("Tls").Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException("The Tls settings are invalid: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }

        var all = listeners.ToList();
        if (!allowPlaintext && all.FirstOrDefault(l => l.Listener.IsPlaintextOnNetwork) is { Listener: not null } plain)
        {
            throw new StartupException($"Listener {plain.Listener} ({plain.Setting}) would serve plain HTTP to the network, where credentials and data can be read and changed in transit; use https:// with Tls:CertFile/KeyFile, or set Http:AllowPlaintext=true if a proxy terminates TLS.");
        }

        var certFile = Blank(options.CertFile);
        var keyFile = Blank(options.KeyFile);
        if (certFile is null && all.FirstOrDefault(l => l.Listener.Https) is { Listener: not null } https)
        {
            throw new StartupException($"Listener {https.Listener} ({https.Setting}) needs a certificate: set Tls:CertFile (and Tls:KeyFile) to PEM files of this server's certificate and key.");
        }

        if (certFile is null && keyFile is not null)
        {
            throw new StartupException("Tls:KeyFile is set but Tls:CertFile is not; set both (PEM files of this server's certificate and key).");
        }

        var clientCaFile = Blank(options.ClientCaFile);
        var mode = Blank(options.ClientCertificates)?.ToLowerInvariant() switch
        {
            null => clientCaFile is null ? TlsClientCertificateMode.None : TlsClientCertificateMode.Allow,
            "none" => TlsClientCertificateMode.None,
            "allow" => TlsClientCertificateMode.Allow,
            "require" => TlsClientCertificateMode.Require,
            _ => throw new StartupException($"Tls:ClientCertificates must be none, allow or require; got '{options.ClientCertificates}'."),
        };
        if (mode != TlsClientCertificateMode.None && clientCaFile is null)
        {
            throw new StartupException($"Tls:ClientCertificates={mode.ToString().ToLowerInvariant()} needs Tls:ClientCaFile, the PEM bundle of the CA certificates that client certificates must chain to.");
        }

        var certificate = certFile is null
            ? null
            : new TlsReloader<TlsCertificate>(
                keyFile is null ? $"Tls:CertFile '{certFile}'" : $"Tls:CertFile '{certFile}' and Tls:KeyFile '{keyFile}'",
                keyFile is null ? [certFile] : [certFile, keyFile],
                () => TlsFiles.LoadCertificate(certFile, keyFile),
                time);
        var clientCa = clientCaFile is null ? null : Bundle("Tls:ClientCaFile", clientCaFile, time);
        var nodeCa = Blank(options.CaFile) is { } caFile ? Bundle("Tls:CaFile", caFile, time) : clientCa;
        return new TlsSetup(mode, certificate, clientCa, nodeCa);
    }

    /// <summary>Gives this setup the server's logging and audit trail, once the server's services exist. Idempotent.</summary>
    public void Attach(IServiceProvider services)
    {
        if (Interlocked.Exchange(ref _attached, 1) == 1)
        {
            return;
        }

        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Tls");
        _audit = services.GetService<AuditLog>();
        foreach (var reloader in new object?[] { _certificate, _clientCa, _nodeCa })
        {
            switch (reloader)
            {
                case TlsReloader<TlsCertificate> r:
                    r.Logger = _logger;
                    break;
                case TlsReloader<X509Certificate2Collection> r:
                    r.Logger = _logger;
                    break;
            }
        }

        if (_certificate?.Current.Certificate is { } current && current.NotAfter.ToUniversalTime() < DateTime.UtcNow)
        {
            TlsLog.Expired(_logger, "Tls:CertFile", current.Subject, current.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>Makes <paramref name="listen"/> speak TLS: each handshake is served this server's current certificate and
    /// asks for a client certificate as <see cref="ClientCertificates"/> says.</summary>
    public void UseOn(ListenOptions listen)
    {
        Attach(listen.ApplicationServices);
        listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = context => ValueTask.FromResult(ServerOptions(context.Connection)) });
    }

    /// <summary>The TLS options of this node's calls to other nodes' <c>https://</c> addresses: their certificate must
    /// chain to <c>Tls:CaFile</c> (else <c>Tls:ClientCaFile</c>, else the system's roots) and name the address, and this
    /// server's certificate is presented when they ask for one.</summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = ValidateNode,
        LocalCertificateSelectionCallback = (_, _, _, _, _) => Certificate!,
    };

    private SslServerAuthenticationOptions ServerOptions(ConnectionContext connection)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _certificate!.Current.Context,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = ClientCertificates != TlsClientCertificateMode.None,
        };
        if (ClientCertificates != TlsClientCertificateMode.None)
        {
            var roots = _clientCa!.Current;
            var remote = connection.RemoteEndPoint?.ToString();
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) => ValidateClient(certificate, chain, roots, remote);
        }

        return options;
    }

    private bool ValidateClient(X509Certificate? presented, X509Chain? chain, X509Certificate2Collection roots, string? remote)
    {
        if (presented is null)
        {
            if (ClientCertificates != TlsClientCertificateMode.Require)
            {
                return true;
            }

            _audit?.Write("auth.failed", null, remote, "TLS handshake without a client certificate (Tls:ClientCertificates=require)", "failed");
            return false;
        }

        var certificate = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (PemTls.ChainProblem(certificate, roots, PemTls.ClientAuth, chain) is not { } problem)
        {
            return true;
        }

        TlsLog.ClientCertificateRefused(_logger, certificate.Subject, certificate.Issuer, remote, problem);
        _audit?.Write("auth.failed", certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), remote, $"TLS client certificate '{certificate.Subject}' issued by '{certificate.Issuer}': {problem}", "failed");
        return false;
    }

    private bool ValidateNode(object sender, X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
    {
        var host = (sender as SslStream)?.TargetHostName ?? "?";
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            TlsLog.NodeCertificateRefused(_logger, host, presented?.Subject, presented is null ? "it sent none" : "it does not name the address called");
            return false;
        }

        if (_nodeCa?.Current is not { } roots)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            TlsLog.NodeCertificateRefused(_logger, host, presented.Subject, $"{errors} (set Tls:CaFile to the CA of the nodes' certificates)");
            return false;
        }

        var certificate = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (PemTls.ChainProblem(certificate, roots, PemTls.ServerAuth, chain) is not { } problem)
        {
            return true;
        }

        TlsLog.NodeCertificateRefused(_logger, host, certificate.Subject, problem);
        return false;
    }

    private static TlsReloader<X509Certificate2Collection> Bundle(string setting, string path, TimeProvider time) =>
        new($"{setting} '{path}'", [path], () => TlsFiles.LoadBundle(setting, path), time);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

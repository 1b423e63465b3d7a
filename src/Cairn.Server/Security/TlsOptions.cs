namespace Cairn.Server.Security;

/// <summary>
/// The <c>Tls</c> settings: the certificate of the <c>https://</c> listeners (also presented to other nodes that ask for
/// one), the client CA for mutual TLS, and the CA that other nodes' certificates must chain to. Every file is PEM and is
/// read again when it changes on disk, without a restart.
/// </summary>
internal sealed class TlsOptions
{
    /// <summary>This server's certificate (PEM), followed by its intermediate CA certificates if any; it may hold the private
    /// key too. Required when a listener is <c>https://</c>.</summary>
    public string? CertFile { get; set; }

    /// <summary>The certificate's private key (PEM, not encrypted); default: the key in <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The CA certificates (a PEM bundle) that client certificates must chain to, and only them (no system roots).
    /// A client certificate's subject common name is the Cairn user it stands for.</summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Whether the <c>https://</c> listeners ask for a client certificate: <c>none</c>, <c>allow</c> (one is asked
    /// for, a client without one is served as it would be otherwise) or <c>require</c> (a client without one is refused in
    /// the handshake). Default: <c>allow</c> when <see cref="ClientCaFile"/> is set, else <c>none</c>. A certificate that is
    /// presented but does not validate is refused in the handshake in both modes.</summary>
    public string? ClientCertificates { get; set; }

    /// <summary>The CA certificates (a PEM bundle) that other nodes' certificates must chain to when this node calls their
    /// <c>https://</c> addresses; default: <see cref="ClientCaFile"/>, else the system's trusted roots.</summary>
    public string? CaFile { get; set; }
}

namespace Cairn.Server.Security;

/// <summary>Whether the <c>https://</c> listeners ask clients for a certificate (<c>Tls:ClientCertificates</c>).</summary>
internal enum TlsClientCertificateMode
{
    /// <summary>No certificate is asked for.</summary>
    None,

    /// <summary>A certificate is asked for; a client that sends none is served as it would be otherwise (a token, a
    /// password, or anonymous).</summary>
    Allow,

    /// <summary>A client that sends no certificate is refused in the handshake.</summary>
    Require,
}

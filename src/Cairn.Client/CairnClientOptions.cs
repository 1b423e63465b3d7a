namespace Cairn.Client;

/// <summary>How a <see cref="CairnClient"/> reaches its server, and who it is there.</summary>
/// <remarks>
/// <para>Credentials (for a server with auth enabled; a server with auth off ignores them). The first that is set is
/// used: <see cref="Token"/>, then <see cref="User"/> with <see cref="Password"/>, then the token in
/// <see cref="TokenFile"/>. Every request carries it as <c>Authorization: Bearer …</c>, event streams included.</para>
/// <para>TLS (for <c>https://</c> endpoints): <see cref="CaCertFile"/> replaces the system's trusted roots, and
/// <see cref="CertFile"/> with <see cref="KeyFile"/> is presented as the client certificate (mutual TLS), as etcdctl's
/// <c>--cacert</c>, <c>--cert</c> and <c>--key</c>. The files are read once, when the client is made.</para>
/// <para>Protocol: requests go as HTTP/2 (<see cref="UseHttp2"/>), many at once on one connection.</para>
/// </remarks>
public sealed class CairnClientOptions
{
    /// <summary>The server: <c>http://host:port</c> (or <c>https://</c>), or <c>unix:/path/to/cairn.sock</c>.</summary>
    public string Endpoint { get; set; } = CairnEndpoint.Default;

    /// <summary>How long one request may take before it fails with <see cref="Core.UnavailableException"/>; null uses
    /// <see cref="HttpClient"/>'s default (100 s).</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>A bearer token (an API token made with <c>cairn token add</c>, or a login token) sent with every request.</summary>
    public string? Token { get; set; }

    /// <summary>A token file written by <c>cairn login</c> (<see cref="CairnTokenFile"/>). It is looked at before every
    /// request and read again when it changed, so a <c>cairn login</c> in another shell is picked up at once; its token
    /// is used only when the file was written for this client's <see cref="Endpoint"/>.</summary>
    public string? TokenFile { get; set; }

    /// <summary>A user to log in as with <see cref="Password"/>: the client logs in on first use, and again when the
    /// server refuses its token (expired, or its sessions ended), retrying that request once.</summary>
    public string? User { get; set; }

    /// <summary>The password of <see cref="User"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the certificate authorities to trust for an <c>https://</c> server, instead of the
    /// system's; the server's certificate must also name the host the endpoint names.</summary>
    public string? CaCertFile { get; set; }

    /// <summary>A PEM file with this client's certificate, presented when the server asks for one (mutual TLS). Its
    /// private key is in <see cref="KeyFile"/>, or in the same file when that is null.</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM file of <see cref="CertFile"/>'s private key (unencrypted PKCS#8, PKCS#1 or SEC1).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Whether requests go as HTTP/2, which carries any number of concurrent requests (watches included) on one
    /// connection (default true). Over <c>https://</c> the server chooses (ALPN), so HTTP/1.1 is used where only it is
    /// offered; over <c>http://</c> and <c>unix:</c> there is no choosing and HTTP/2 is spoken from the first byte (h2c
    /// with prior knowledge), which Cairn's server understands but a proxy in between that speaks only HTTP/1.1 does not:
    /// set false there (the CLI's <c>--http1</c>, <c>CAIRN_HTTP1=1</c>), and every request is HTTP/1.1, one connection
    /// per concurrent request.</summary>
    public bool UseHttp2 { get; set; } = true;
}

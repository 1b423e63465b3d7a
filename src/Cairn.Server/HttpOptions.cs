namespace Cairn.Server;

/// <summary>
/// How the server treats requests from web browsers (<c>Http:*</c>). Cairn has no authentication and often listens on
/// localhost, so a web page the user happens to visit must not be able to read or change its state: a request that a
/// browser marks as sent by a page of another origin (<c>Origin</c>, <c>Sec-Fetch-Site</c>) is refused with 403, and a
/// connection to a loopback address must name a loopback host (against DNS rebinding). Clients that are not browsers
/// (curl, the CLI, the .NET and Python clients) send no such marks and are not affected.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, e.g. <c>http://localhost:3000</c>) whose pages may send requests although
    /// they are not the server's own origin; <c>*</c> allows every origin. A comma-separated string is accepted too.
    /// Default: none. Cairn sends no CORS headers for them, so a page can send such requests (and open the watch socket)
    /// but a script cannot read a cross-origin HTTP answer.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Host names (without a port; <c>*.example.com</c> for the subdomains of <c>example.com</c>) that requests may name
    /// in <c>Host</c>. A connection to a loopback address always accepts <c>localhost</c>, <c>*.localhost</c>,
    /// <c>127.x.x.x</c> and <c>[::1]</c>, and these names besides; a connection to another address is checked only when
    /// this list is set, and must then name one of them. <c>*</c> turns the check off. Unix sockets are never checked.
    /// A comma-separated string is accepted too. Default: none.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Whether a plain <c>http://</c> listener may be on an address other than loopback (default false: such a listener is
    /// a start-up error, since credentials and data would cross the network in clear). Set it when a proxy in front of
    /// Cairn terminates TLS; otherwise listen on <c>https://</c> with <c>Tls:CertFile</c> and <c>Tls:KeyFile</c>.
    /// </summary>
    public bool AllowPlaintext { get; set; }
}

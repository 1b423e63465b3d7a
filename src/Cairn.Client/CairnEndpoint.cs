namespace Cairn.Client;

/// <summary>A parsed server address: an HTTP base address, or a Unix socket path spoken to as <c>http://localhost</c>.</summary>
internal sealed record CairnEndpoint(Uri BaseAddress, string? UnixPath)
{
    public const string Default = "http://127.0.0.1:7070";

    /// <summary>Parses <c>http://host:port</c>, <c>https://host:port</c> or <c>unix:/path</c> (also <c>unix:///path</c>).</summary>
    /// <exception cref="ArgumentException">The text is neither form; the message says what is accepted.</exception>
    public static CairnEndpoint Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("The endpoint is empty; use http://HOST:PORT or unix:/path/to/cairn.sock.");
        }

        text = text.Trim();
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                throw new ArgumentException($"Endpoint '{text}' has no socket path; write it as unix:/path/to/cairn.sock.");
            }

            return new CairnEndpoint(new Uri("http://localhost/"), Path.GetFullPath(path));
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"Endpoint '{text}' is not understood; use http://HOST:PORT or unix:/path/to/cairn.sock.");
        }

        // A base address must end in '/' for relative paths to append rather than replace its last segment.
        var baseText = uri.GetLeftPart(UriPartial.Path);
        return new CairnEndpoint(new Uri(baseText.EndsWith('/') ? baseText : baseText + "/"), null);
    }

    /// <summary>A handler that connects to the Unix socket for every request, or a plain one for TCP.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        // Expect100ContinueTimeout: how long a request that asks "100-continue" (a large journal message) waits for the
        // server's go-ahead or refusal before sending its body anyway; Cairn's server answers at once, but a cold one
        // can take longer than the 1 s default, and then a refused body ends in a broken connection instead of a 413.
        // EnableMultipleHttp2Connections: past the server's limit of concurrent streams on one HTTP/2 connection (many
        // watches, say), open another rather than queue requests behind long-lived streams.
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            Expect100ContinueTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
        };
        if (UnixPath is { } path)
        {
            handler.ConnectCallback = UnixSocketConnector.ConnectTo(path);
        }

        return handler;
    }

    /// <summary>Whether requests to this endpoint cross no TLS (<c>http://</c>, <c>unix:</c>): HTTP/2 is then spoken
    /// with prior knowledge, as no handshake can negotiate it.</summary>
    public bool IsCleartext => UnixPath is not null || BaseAddress.Scheme == Uri.UriSchemeHttp;

    public override string ToString() => UnixPath is not null ? "unix:" + UnixPath : BaseAddress.ToString().TrimEnd('/');
}

using Cairn.Server.Hosting;

namespace Cairn.Server.Http;

/// <summary>The origins of a setting such as <c>Http:AllowedOrigins</c>, compared in one canonical form
/// (<c>scheme://host:port</c>, lower case, the port always written), so that <c>http://localhost:80</c> and
/// <c>http://LOCALHOST</c> are the same origin.</summary>
internal sealed class OriginAllowList
{
    private readonly HashSet<string> _origins;

    private OriginAllowList(string setting, HashSet<string> origins, bool any)
    {
        Setting = setting;
        _origins = origins;
        AllowsAny = any;
    }

    /// <summary>The setting the list comes from, for messages: <c>Http:AllowedOrigins</c>, <c>Pulzar:AllowedOrigins</c>.</summary>
    public string Setting { get; }

    /// <summary>True when the list holds <c>*</c>: every origin is allowed.</summary>
    public bool AllowsAny { get; }

    /// <summary>The list of <paramref name="entries"/>, the value of <paramref name="setting"/>.</summary>
    /// <exception cref="StartupException">An entry is not an origin.</exception>
    public static OriginAllowList Parse(string setting, IEnumerable<string> entries)
    {
        var origins = new HashSet<string>(StringComparer.Ordinal);
        var any = false;
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                any = true;
            }
            else
            {
                origins.Add(Canonical(entry.TrimEnd('/')) ?? throw new StartupException(
                    $"{setting} holds origins such as http://localhost:3000 (scheme, host and port; no path), or *; got '{entry}'."));
            }
        }

        return new OriginAllowList(setting, origins, any);
    }

    /// <summary>This list without its <c>*</c>: the origins it names, and no other.</summary>
    public OriginAllowList Named() => AllowsAny ? new OriginAllowList(Setting, _origins, any: false) : this;

    /// <summary>True when <paramref name="origin"/> (an <c>Origin</c> header's value) is allowed.</summary>
    public bool Allows(string origin) => AllowsAny || (Canonical(origin) is { } canonical && _origins.Contains(canonical));

    /// <summary><paramref name="origin"/> as <c>scheme://host:port</c> in lower case; <c>null</c> stays <c>null</c> (the
    /// origin of sandboxed and file pages); null when it is not an origin.</summary>
    public static string? Canonical(string origin)
    {
        if (origin == "null")
        {
            return origin;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && uri.Host.Length > 0
            && uri.UserInfo.Length == 0
            && uri.AbsolutePath == "/"
            && uri.Query.Length == 0
            && uri.Fragment.Length == 0
            && !origin.EndsWith('/')
                ? $"{uri.Scheme}://{uri.Host}:{uri.Port}".ToLowerInvariant()
                : null;
    }
}

using System.Net;
using System.Net.Sockets;
using Cairn.Server.Hosting;

namespace Cairn.Server.Http;

/// <summary>
/// Which <c>Host</c> names a connection may use (<c>Http:AllowedHosts</c>), against DNS rebinding: a page on
/// <c>evil.example</c> whose name is made to resolve to 127.0.0.1 reaches a loopback listener as the same origin, but its
/// requests still say <c>Host: evil.example</c>. A connection to a loopback address must therefore name a loopback host
/// (<c>localhost</c>, <c>*.localhost</c>, <c>127.x.x.x</c>, <c>[::1]</c>, any port) or a listed one; a connection to
/// another address is checked only when the list is set. Loopback is decided by the connection's local address, so a
/// listener on 0.0.0.0 is checked too when reached through 127.0.0.1. Unix sockets are not checked: DNS rebinding cannot
/// reach them, and the journal's Python clients send odd <c>Host</c> values there.
/// </summary>
internal sealed class HostAllowList
{
    // Characters no host name holds: a scheme, a port, a path, user info, a wildcard other than a leading "*.".
    private static readonly System.Buffers.SearchValues<char> NotInAName = System.Buffers.SearchValues.Create(":/*[]@ ");

    private readonly HashSet<string> _names;
    private readonly List<string> _suffixes;
    private readonly bool _any;

    private HostAllowList(HashSet<string> names, List<string> suffixes, bool any)
    {
        _names = names;
        _suffixes = suffixes;
        _any = any;
    }

    /// <summary>The list of <paramref name="entries"/>.</summary>
    /// <exception cref="StartupException">An entry is not a host name.</exception>
    public static HostAllowList Parse(IEnumerable<string> entries)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var suffixes = new List<string>();
        var any = false;
        foreach (var entry in entries)
        {
            var name = Normalize(entry);
            if (name == "*")
            {
                any = true;
            }
            else if (IPAddress.TryParse(name.Trim('[', ']'), out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                names.Add(Bracketed(address));
            }
            else if (name.Length == 0 || name.AsSpan(name.StartsWith("*.", StringComparison.Ordinal) ? 2 : 0).ContainsAny(NotInAName))
            {
                throw new StartupException($"Http:AllowedHosts holds host names without scheme or port (cairn.internal, *.example.com, 10.0.0.5, [fd00::5]), or *; got '{entry}'.");
            }
            else if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                suffixes.Add(name[1..]);
            }
            else
            {
                names.Add(name);
            }
        }

        return new HostAllowList(names, suffixes, any);
    }

    /// <summary>Null when the request may name its host; otherwise why it may not.</summary>
    public string? Refusal(Microsoft.AspNetCore.Http.HttpContext context)
    {
        var local = context.Connection.LocalIpAddress;
        if (_any || local is null)
        {
            return null;
        }

        var loopback = IsLoopback(local);
        if (!loopback && _names.Count == 0 && _suffixes.Count == 0)
        {
            return null;
        }

        // A request without a Host (HTTP/1.0) is not from a browser: every browser sends one.
        var host = Normalize(context.Request.Host.Host);
        if (host.StartsWith('[') && IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            host = Bracketed(literal);
        }

        if (host.Length == 0 || (loopback && IsLoopbackName(host)) || _names.Contains(host) || _suffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal)))
        {
            return null;
        }

        return loopback
            ? $"Host '{context.Request.Host}' is not a name of this server: a connection to a loopback address answers only localhost, *.localhost, 127.x.x.x and [::1] (this keeps out web pages that use DNS rebinding). To use another name, add it to Http:AllowedHosts."
            : $"Host '{context.Request.Host}' is not in Http:AllowedHosts; add it there to use that name.";
    }

    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static bool IsLoopbackName(string host) =>
        host == "localhost"
        || host.EndsWith(".localhost", StringComparison.Ordinal)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IsLoopback(address));

    // An IPv6 address as Host writes it, in one spelling: [fd00::5], never [FD00:0::5].
    private static string Bracketed(IPAddress address) => "[" + address + "]";

    // Lower case without a trailing dot ("LocalHost." is localhost).
    private static string Normalize(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}

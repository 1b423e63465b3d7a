using System.Globalization;
using System.Net;

namespace Cairn.ZooKeeper;

// "h1:2181,h2:2181/chroot", IPv6 as [::1]:2181. Unlike the Java client a host needs its port: a connect string
// without one is more likely a mistake than a wish for 2181.
internal sealed class ConnectString
{
    private ConnectString(IReadOnlyList<DnsEndPoint> servers, string? chroot)
    {
        Servers = servers;
        Chroot = chroot;
    }

    public IReadOnlyList<DnsEndPoint> Servers { get; }

    // Null when there is none ("/" counts as none).
    public string? Chroot { get; }

    public static string Format(DnsEndPoint endPoint) =>
        endPoint.Host.Contains(':', StringComparison.Ordinal) ? $"[{endPoint.Host}]:{endPoint.Port}" : $"{endPoint.Host}:{endPoint.Port}";

    public static ConnectString Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Malformed(text, "it is empty");
        }

        string? chroot = null;
        var hosts = text;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            chroot = text[slash..];
            hosts = text[..slash];
            if (chroot == "/")
            {
                chroot = null;
            }
            else if (ZooKeeperPath.Problem(chroot) is { } problem)
            {
                throw Malformed(text, $"the chroot {chroot} is not a valid path ({problem})");
            }
        }

        var servers = new List<DnsEndPoint>();
        foreach (var part in hosts.Split(','))
        {
            var item = part.Trim();
            if (item.Length == 0)
            {
                throw Malformed(text, "it has an empty server entry");
            }

            string host;
            string? port;
            if (item.StartsWith('['))
            {
                var close = item.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw Malformed(text, $"'{item}' starts with '[' but has no ']'");
                }

                host = item[1..close];
                var rest = item[(close + 1)..];
                if (host.Length == 0 || !IPAddress.TryParse(host, out _))
                {
                    throw Malformed(text, $"'{item}' does not hold an IPv6 address in brackets");
                }

                port = rest.Length == 0 ? null : rest.StartsWith(':') ? rest[1..] : throw Malformed(text, $"'{item}' has no ':' after ']'");
            }
            else
            {
                var colon = item.LastIndexOf(':');
                if (colon < 0)
                {
                    host = item;
                    port = null;
                }
                else
                {
                    host = item[..colon];
                    port = item[(colon + 1)..];
                    if (host.Contains(':', StringComparison.Ordinal))
                    {
                        throw Malformed(text, $"'{item}' looks like an IPv6 address: write it in brackets, [{host}]:{port}");
                    }
                }

                if (host.Length == 0)
                {
                    throw Malformed(text, $"'{item}' has no host");
                }
            }

            if (port is null)
            {
                throw Malformed(text, $"'{item}' has no port (write {item}:2181)");
            }

            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                throw Malformed(text, $"'{port}' in '{item}' is not a port number");
            }

            if (number is < 1 or > 65535)
            {
                throw Malformed(text, $"port {number} in '{item}' is out of range 1-65535");
            }

            servers.Add(new DnsEndPoint(host, number));
        }

        return new ConnectString(servers, chroot);
    }

    private static ZooKeeperConnectException Malformed(string? text, string problem) =>
        new($"Malformed ZooKeeper connect string \"{text}\": {problem}; expected host:port[,host:port...][/chroot].");
}

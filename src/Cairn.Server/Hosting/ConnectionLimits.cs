using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Cairn.Server.Hosting;

/// <summary>
/// The caps on connections: all of them (Kestrel's <c>MaxConcurrentConnections</c>, by default under the process's
/// open-file limit, so that a flood never runs the process out of file descriptors — the runtime itself needs some to
/// map code, and with none left it aborts), and per client address (this connection middleware). A connection past a
/// cap is closed as soon as it is accepted; the ones already open are served as before.
/// </summary>
internal sealed class ConnectionLimits(int perAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    /// <summary>The default cap on all connections: the open-file limit less a tenth of it (at least 256), which the
    /// store, the volumes, extensions and the runtime keep.</summary>
    public static int DefaultMaxConnections()
    {
        var limit = OpenFileLimit() ?? 65_536;
        var reserve = Math.Max(256, limit / 10);
        return (int)Math.Clamp(limit - reserve, 64, 1_000_000);
    }

    /// <summary>
    /// Shares <paramref name="budget"/> connections between HTTP connections and upgraded ones (watch sockets), which
    /// Kestrel counts apart: an upgraded connection leaves <c>MaxConcurrentConnections</c> and counts against
    /// <c>MaxConcurrentUpgradedConnections</c> only. Giving each the whole budget would let twice the budget be open,
    /// past the open-file limit; a quarter goes to sockets (each carries any number of watches).
    /// </summary>
    public static (long Http, long Upgraded) Split(int budget)
    {
        var upgraded = Math.Max(1, budget / 4);
        return (Math.Max(1, budget - upgraded), upgraded);
    }

    // The soft RLIMIT_NOFILE, from /proc/self/limits ("Max open files  4096  524288  files"); null where unknown.
    private static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>The middleware for a TCP listener: counts each connection against its client address, and closes one past
    /// the cap at once.</summary>
    public ConnectionDelegate Limit(ConnectionDelegate next) => async connection =>
    {
        if (perAddress <= 0 || connection.RemoteEndPoint is not IPEndPoint remote)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var address = Normalize(remote.Address);
        var open = _open.AddOrUpdate(address, 1, static (_, count) => count + 1);
        try
        {
            if (open <= perAddress)
            {
                await next(connection).ConfigureAwait(false);
            }

            // Past the cap: returning closes the connection.
        }
        finally
        {
            if (_open.AddOrUpdate(address, 0, static (_, count) => count - 1) <= 0)
            {
                _open.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
            }
        }
    };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

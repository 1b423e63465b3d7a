using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cairn.Server.Hosting;

/// <summary>
/// The addresses this server is listening on, ports resolved: those of the <c>/v1</c> API, published in the cluster and
/// in volume records, and those of each compat API's own listeners. Known once the server listens: a hosted service
/// reads them in <c>StartedAsync</c>, not before.
/// </summary>
/// <remarks>The HTTP/2 endpoints of cleartext listeners (<see cref="H2cHandoff"/>) are no addresses of their own: a client
/// reaches them through the listener's address, so they are left out.</remarks>
internal sealed class ServerAddresses(IServer server, IReadOnlyDictionary<string, List<ListenOptions>> compatListeners, IReadOnlyList<ListenOptions> h2cEndpoints)
{
    /// <summary>The <c>/v1</c> API's addresses: <c>http://127.0.0.1:PORT</c>, <c>https://10.0.0.5:PORT</c>,
    /// <c>unix:/path</c>.</summary>
    public IReadOnlyList<string> Api
    {
        get
        {
            var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var compat = compatListeners.Values.SelectMany(l => l).Concat(h2cEndpoints).Select(Describe).ToHashSet(StringComparer.Ordinal);
            return [.. bound
                .Select(a => a.StartsWith("http://unix:", StringComparison.Ordinal) ? "unix:" + a["http://unix:".Length..] : a)
                .Where(a => !compat.Contains(a))];
        }
    }

    /// <summary>The addresses of compat API <paramref name="api"/>'s own listeners (none when it has none).</summary>
    public IReadOnlyList<string> Of(string api) =>
        compatListeners.TryGetValue(api, out var listeners) ? [.. listeners.Select(Describe)] : [];

    // Kestrel's own name of a TCP listener: http:// or https://, and the port bound.
    private static string Describe(ListenOptions listen) =>
        listen.SocketPath is { } path ? "unix:" + path : listen.ToString()!;
}

using System.Collections.Concurrent;
using System.Globalization;
using Cairn.Server.Hosting;

namespace Cairn.Server.Security;

/// <summary>
/// Which Cairn user a Unix socket peer is (<see cref="PeerCredentials"/>): <c>Auth:UnixUsers</c> by numeric uid, then by
/// Unix user name; else the server's own Unix user is <c>root</c> (unless <c>Auth:ServerUserIsRoot=false</c>); else none.
/// </summary>
/// <remarks>A uid's name is looked up through the C library (getpwuid_r: files, LDAP, …) and remembered for a minute,
/// so a busy socket does not ask the name service per request.</remarks>
internal sealed class UnixPeerUsers(AuthSettings settings, TimeProvider time)
{
    private const int MaxCached = 4096;
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    private readonly uint? _serverUid = UnixAccounts.EffectiveUserId();
    private readonly ConcurrentDictionary<uint, (string? Name, DateTimeOffset At)> _names = new();

    /// <summary>The Cairn user <paramref name="peer"/> stands for; null when it is none.</summary>
    public string? UserOf(PeerCredentials peer)
    {
        var map = settings.Options.UnixUsers;
        if (map.Count > 0)
        {
            if (map.TryGetValue(peer.UserId.ToString(CultureInfo.InvariantCulture), out var byId))
            {
                return byId;
            }

            if (NameOf(peer.UserId) is { } name && map.TryGetValue(name, out var byName))
            {
                return byName;
            }
        }

        return settings.Options.ServerUserIsRoot && peer.UserId == _serverUid ? "root" : null;
    }

    private string? NameOf(uint uid)
    {
        var now = time.GetUtcNow();
        if (_names.TryGetValue(uid, out var cached) && now - cached.At < CacheFor)
        {
            return cached.Name;
        }

        var name = UnixAccounts.UserName(uid);
        if (_names.Count >= MaxCached)
        {
            _names.Clear();
        }

        _names[uid] = (name, now);
        return name;
    }
}

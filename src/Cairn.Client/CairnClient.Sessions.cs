using Cairn.Core;

namespace Cairn.Client;

/// <summary>Sessions: leases kept alive in the background.</summary>
public sealed partial class CairnClient
{
    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> and keeps it alive until the returned session is disposed
    /// (see <see cref="CairnSession"/>).</summary>
    /// <param name="ttlSeconds">How long the session's keys outlive this process if it dies: 1 s and up; 10 s by default.</param>
    /// <param name="timeProvider">The clock of the keep-alive loop; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="cancellationToken">Cancels the grant (not the session).</param>
    /// <exception cref="InvalidArgumentException">The TTL is out of range.</exception>
    public async Task<CairnSession> CreateSessionAsync(long ttlSeconds = 10, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var grant = await GrantLeaseAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new CairnSession(this, grant, timeProvider ?? TimeProvider.System);
    }
}

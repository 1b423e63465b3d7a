using System.Globalization;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Leases over <c>/v1/leases</c>.</summary>
public sealed partial class CairnClient
{
    /// <inheritdoc />
    public async ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default)
    {
        Leases.ValidateTtl(ttlSeconds);
        Leases.ValidateId(id);
        var lease = await SendJsonAsync<LeaseDto>(JsonRequest(HttpMethod.Post, "v1/leases", new LeaseGrantDto { Ttl = ttlSeconds, Id = id }), cancellationToken).ConfigureAwait(false);
        return new LeaseGrant(lease.Id, lease.Ttl, lease.Revision ?? 0);
    }

    /// <inheritdoc />
    public async ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default)
    {
        var lease = await SendJsonAsync<LeaseDto>(new HttpRequestMessage(HttpMethod.Post, LeasePath(id) + "/keepalive"), cancellationToken).ConfigureAwait(false);
        return lease.ToInfo();
    }

    /// <inheritdoc />
    public async ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default)
    {
        var revoked = await SendJsonAsync<LeaseDto>(new HttpRequestMessage(HttpMethod.Delete, LeasePath(id)), cancellationToken).ConfigureAwait(false);
        return revoked.Revision ?? 0;
    }

    /// <inheritdoc />
    public async ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default)
    {
        try
        {
            var path = LeasePath(id) + (includeKeys ? "?keys=true" : "");
            var lease = await SendJsonAsync<LeaseDto>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken).ConfigureAwait(false);
            return lease.ToInfo();
        }
        catch (LeaseNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default)
    {
        var list = await SendJsonAsync<LeaseListDto>(new HttpRequestMessage(HttpMethod.Get, "v1/leases"), cancellationToken).ConfigureAwait(false);
        return list.Leases.Select(l => l.ToInfo()).ToList();
    }

    private static string LeasePath(long id)
    {
        if (id <= 0)
        {
            // The server would say the same; no lease has such an id.
            throw new LeaseNotFoundException(id);
        }

        return "v1/leases/" + id.ToString(CultureInfo.InvariantCulture);
    }
}

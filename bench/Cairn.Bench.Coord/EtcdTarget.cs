using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using V3Electionpb;
using V3Lockpb;

namespace Cairn.Bench.Coord;

/// <summary>
/// etcd's own recipes, driven directly: the <c>v3lock</c> service (<c>Lock</c>/<c>Unlock</c>: etcd's
/// <c>concurrency.Mutex</c> run inside the server on the caller's lease) and the <c>v3election</c> service
/// (<c>Campaign</c>/<c>Resign</c>: <c>concurrency.Election</c>), with leases from <c>LeaseGrant</c>, over gRPC with
/// dotnet-etcd's <see cref="EtcdClient"/> (one channel for every participant). etcd has no barrier service: the
/// barrier cell is not applicable.
/// </summary>
internal sealed class EtcdTarget : ICoordTarget
{
    private readonly EtcdClient _client;

    private EtcdTarget(EtcdClient client) => _client = client;

    public static TargetKind Kind(string endpoint) => new(
        "etcd",
        $"etcd's own `v3lock` (Lock/Unlock) and `v3election` (Campaign/Resign) services — its `concurrency` Mutex and Election run in the server — on leases from LeaseGrant, driven with dotnet-etcd 10.0.0 over gRPC ({endpoint}); etcd emptied before the cell; no barrier service",
        HasBarrier: false,
        async ct =>
        {
            var client = new EtcdClient(endpoint);
            try
            {
                await WipeAsync(client, ct).ConfigureAwait(false);
                return new EtcdTarget(client);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        });

    public async Task<(long Id, long TtlSeconds)> GrantAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        var grant = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (grant.ID, grant.TTL);
    }

    public Task<(long Id, long TtlSeconds)> GrantExpiringAsync(long ttlSeconds, CancellationToken cancellationToken) => GrantAsync(ttlSeconds, cancellationToken);

    public async Task RevokeAsync(long lease, CancellationToken cancellationToken) =>
        await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<Held> LockAsync(string name, long lease, CancellationToken cancellationToken)
    {
        var response = await _client.LockAsync(new LockRequest { Name = ByteString.CopyFromUtf8(name), Lease = lease }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new Held(response.Key.ToStringUtf8(), response.Header.Revision, response.Key);
    }

    public async Task UnlockAsync(string name, Held grant, CancellationToken cancellationToken) =>
        await _client.UnlockAsync(new UnlockRequest { Key = (ByteString)grant.Native! }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<Held> CampaignAsync(string name, long lease, string value, CancellationToken cancellationToken)
    {
        var request = new CampaignRequest { Name = ByteString.CopyFromUtf8(name), Lease = lease, Value = ByteString.CopyFromUtf8(value) };
        var leader = (await _client.CampaignAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Leader;
        return new Held(leader.Key.ToStringUtf8(), leader.Rev, leader);
    }

    public async Task ResignAsync(string name, Held leadership, CancellationToken cancellationToken) =>
        await _client.ResignAsync(new ResignRequest { Leader = (LeaderKey)leadership.Native! }, cancellationToken: cancellationToken).ConfigureAwait(false);

    // concurrency.Election keeps its candidates under "<name>/".
    public async Task<long> CandidatesAsync(string name, CancellationToken cancellationToken)
    {
        var prefix = ByteString.CopyFromUtf8(name + "/");
        var request = new RangeRequest { Key = prefix, RangeEnd = PrefixEnd(prefix), CountOnly = true };
        return (await _client.GetAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Count;
    }

    public Task<IAsyncDisposable?> EnterBarrierAsync(string name, long lease, int count, CancellationToken cancellationToken) =>
        throw new NotSupportedException("etcd has no barrier service");

    public Task<int> BarrierEnteredAsync(string name, CancellationToken cancellationToken) =>
        throw new NotSupportedException("etcd has no barrier service");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await WipeAsync(_client, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _client.Dispose();
        }
    }

    /// <summary>Empties the etcd the etcd targets share: every lease revoked, every key deleted, the history compacted,
    /// so that the next cell starts on fresh state (only the revision counter goes on).</summary>
    public static async Task WipeAsync(EtcdClient client, CancellationToken cancellationToken)
    {
        var leases = await client.LeaseLeasesAsync(new LeaseLeasesRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var lease in leases.Leases)
        {
            try
            {
                await client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease.ID }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // Expired since it was listed.
            }
        }

        var all = ByteString.CopyFrom(0);
        var deleted = await client.DeleteAsync(new DeleteRangeRequest { Key = all, RangeEnd = all }, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await client.CompactAsync(new CompactionRequest { Revision = deleted.Header.Revision, Physical = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException ex) when (ex.Status.Detail.Contains("compacted", StringComparison.Ordinal))
        {
            // Nothing was written since the last wipe.
        }
    }

    private static ByteString PrefixEnd(ByteString prefix)
    {
        var end = prefix.ToByteArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end.AsSpan(0, i + 1));
            }
        }

        return ByteString.CopyFrom(0);
    }
}

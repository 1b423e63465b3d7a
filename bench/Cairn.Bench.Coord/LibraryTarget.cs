using Cairn.Contracts;
using Cairn.Coordination.Recipes;
using Cairn.Core;
using Cairn.Storage.Etcd;
using dotnet_etcd;

namespace Cairn.Bench.Coord;

/// <summary>
/// Cairn's recipes as a library: <see cref="LockStore"/>, <see cref="ElectionStore"/> and <see cref="BarrierStore"/> of
/// Cairn.Coordination in this process, on Cairn's etcd backend (<see cref="EtcdKeyspace"/>, one gRPC channel for every
/// participant) against the same etcd as the <c>etcd</c> target: the recipes' own cost beside etcd's server-side ones,
/// with no Cairn server in between.
/// </summary>
internal sealed class LibraryTarget : ICoordTarget
{
    private readonly string _endpoint;
    private readonly EtcdKeyspace _store;
    private readonly LockStore _locks;
    private readonly ElectionStore _elections;
    private readonly BarrierStore _barriers;

    private LibraryTarget(string endpoint, EtcdKeyspace store)
    {
        _endpoint = endpoint;
        _store = store;
        _locks = new LockStore(store);
        _elections = new ElectionStore(store);
        _barriers = new BarrierStore(store);
    }

    public static TargetKind Kind(string endpoint) => new(
        "cairn-lib-etcd",
        $"Cairn.Coordination (LockStore, ElectionStore, BarrierStore) in the benchmark process on Cairn's etcd backend (EtcdKeyspace over gRPC, {endpoint}), the same etcd as the `etcd` target; leases granted through the keyspace; etcd emptied before the cell",
        HasBarrier: true,
        async ct =>
        {
            using (var admin = new EtcdClient(endpoint))
            {
                await EtcdTarget.WipeAsync(admin, ct).ConfigureAwait(false);
            }

            var store = await EtcdKeyspace.ConnectAsync(new EtcdKeyspaceOptions { Endpoints = [endpoint], RequestTimeout = TimeSpan.FromSeconds(30) }, cancellationToken: ct).ConfigureAwait(false);
            return new LibraryTarget(endpoint, store);
        });

    public async Task<(long Id, long TtlSeconds)> GrantAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        var grant = await _store.GrantLeaseAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (grant.Id, grant.TtlSeconds);
    }

    public Task<(long Id, long TtlSeconds)> GrantExpiringAsync(long ttlSeconds, CancellationToken cancellationToken) => GrantAsync(ttlSeconds, cancellationToken);

    public async Task RevokeAsync(long lease, CancellationToken cancellationToken) =>
        await _store.RevokeLeaseAsync(lease, cancellationToken).ConfigureAwait(false);

    public async Task<Held> LockAsync(string name, long lease, CancellationToken cancellationToken)
    {
        var grant = await _locks.AcquireAsync(name, new LockRequestDto { Lease = lease }, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"lock {name}: no grant without a wait limit");
        return new Held(grant.Key, grant.Token);
    }

    public async Task UnlockAsync(string name, Held grant, CancellationToken cancellationToken)
    {
        if (!await _locks.ReleaseAsync(name, grant.Key, grant.Token, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"lock {name}: the grant {grant.Key}@{grant.Token} was gone at release");
        }
    }

    public async Task<Held> CampaignAsync(string name, long lease, string value, CancellationToken cancellationToken)
    {
        var leader = await _elections.CampaignAsync(name, new CampaignDto { Lease = lease, Value = value }, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"election {name}: no leadership without a wait limit");
        return new Held(leader.Key, leader.Token);
    }

    public async Task ResignAsync(string name, Held leadership, CancellationToken cancellationToken)
    {
        if (!await _elections.ResignAsync(name, new LeadershipDto { Key = leadership.Key, Token = leadership.Token }, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"election {name}: the leadership {leadership.Key}@{leadership.Token} was gone at resign");
        }
    }

    public async Task<long> CandidatesAsync(string name, CancellationToken cancellationToken) =>
        (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(ElectionStore.Prefix + name + "/")) { CountOnly = true }, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<IAsyncDisposable?> EnterBarrierAsync(string name, long lease, int count, CancellationToken cancellationToken)
    {
        _ = await _barriers.EnterAsync(name, new EnterBarrierDto { Lease = lease, Count = count }, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"barrier {name}: no entry without a wait limit");
        return null;
    }

    public async Task<int> BarrierEnteredAsync(string name, CancellationToken cancellationToken) =>
        (await _barriers.GetAsync(name, cancellationToken).ConfigureAwait(false)).Participants?.Count ?? 0;

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync().ConfigureAwait(false);
        using var admin = new EtcdClient(_endpoint);
        await EtcdTarget.WipeAsync(admin, CancellationToken.None).ConfigureAwait(false);
    }
}

using System.Diagnostics;

namespace Cairn.Coordination.Tests.Recipes;

/// <summary>A session keeps its lease alive, tells when it is lost, and revokes it when disposed; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class KeyspaceSessionBehaviour(Backend backend) : RecipeBehaviour(backend)
{
    [Fact]
    public async Task KeepsAShortLeaseAlive_LongerThanItsTtl()
    {
        await using var session = await KeyspaceSession.StartAsync(Store, ttlSeconds: 2);
        await Store.PutAsync(new PutRequest("/test/held", "x"u8.ToArray()) { Lease = session.LeaseId });

        // Real time passing is what this test is about: the lease outlives its TTL 2.5 times over.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Assert.NotNull(await Store.LeaseTimeToLiveAsync(session.LeaseId));
            await Task.Delay(250);
        }

        Assert.False(session.IsLost);
        Assert.Equal(2, session.TtlSeconds);
        Assert.NotNull(await ValueAsync("/test/held"));
    }

    [Fact]
    public async Task LeaseRevokedBehindItsBack_FiresLost()
    {
        await using var session = await KeyspaceSession.StartAsync(Store, ttlSeconds: 3);
        var lost = new TaskCompletionSource();
        using var registration = session.Lost.Register(() => lost.TrySetResult());

        await Store.RevokeLeaseAsync(session.LeaseId);

        await lost.Task.WaitAsync(Deadline);
        Assert.True(session.IsLost);
    }

    [Fact]
    public async Task NoRenewalForAWholeTtl_FiresLost()
    {
        // The store stops answering keep-alives (a partition): the session cannot know whether the lease still lives,
        // and after a TTL without a renewal it must assume not.
        var store = new KeepAliveFailingKeyspace(Store);
        await using var session = await KeyspaceSession.StartAsync(store, ttlSeconds: 2);
        store.Failing = true;

        await Eventually.UntilAsync(() => session.IsLost, Deadline, "the session is lost");
        Assert.True(session.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task Dispose_RevokesTheLease_AndItsKeysGo_OnceOnly()
    {
        var session = await KeyspaceSession.StartAsync(Store, ttlSeconds: 30);
        await Store.PutAsync(new PutRequest("/test/held", "x"u8.ToArray()) { Lease = session.LeaseId });

        await session.DisposeAsync();
        await session.DisposeAsync();

        Assert.Null(await Store.LeaseTimeToLiveAsync(session.LeaseId));
        Assert.Null(await ValueAsync("/test/held"));
        Assert.False(session.IsLost);
    }

    [Fact]
    public async Task Start_RefusesAnInvalidTtl()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => KeyspaceSession.StartAsync(Store, ttlSeconds: 0));
        Assert.Empty(await Store.ListLeasesAsync());
    }

    // The test's store, but keep-alives fail as if the store were out of reach while Failing is set.
    private sealed class KeepAliveFailingKeyspace(IKeyspace inner) : IKeyspace
    {
        public volatile bool Failing;

        public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => inner.RangeAsync(request, cancellationToken);

        public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) => inner.PutAsync(request, cancellationToken);

        public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) => inner.DeleteAsync(request, cancellationToken);

        public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) => inner.TxnAsync(request, cancellationToken);

        public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

        public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => inner.StatusAsync(cancellationToken);

        public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => inner.WatchAsync(request, cancellationToken);

        public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

        public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
            Failing ? throw new UnavailableException("The store is out of reach (test).") : inner.KeepAliveLeaseAsync(id, cancellationToken);

        public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(id, cancellationToken);

        public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) => inner.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

        public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) => inner.ListLeasesAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the test's store is disposed by the test
    }
}

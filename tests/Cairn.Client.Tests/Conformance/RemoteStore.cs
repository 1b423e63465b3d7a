using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

/// <summary>
/// A fresh server on an empty data directory, reached only through <see cref="CairnClient"/>: the contract suites run
/// over real HTTP, so client, wire format, server and store must together behave like the store alone.
/// </summary>
internal sealed class RemoteStore(ServerFixture server, CairnClient client) : IKeyspace
{
    public static async Task<IKeyspace> StartAsync(bool unixSocket = false)
    {
        // No node registration: the suites expect a store as empty as a fresh backend (revision 1, no keys, no leases).
        var server = new ServerFixture { Settings = { ["Cluster:Enabled"] = "false" } };
        await server.InitializeAsync();
        return new RemoteStore(server, new CairnClient(unixSocket ? server.UnixEndpoint : server.TcpEndpoint));
    }

    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => client.RangeAsync(request, cancellationToken);

    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) => client.PutAsync(request, cancellationToken);

    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) => client.DeleteAsync(request, cancellationToken);

    public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) => client.TxnAsync(request, cancellationToken);

    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => client.CompactAsync(revision, cancellationToken);

    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => client.StatusAsync(cancellationToken);

    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => client.WatchAsync(request, cancellationToken);

    public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) => client.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) => client.KeepAliveLeaseAsync(id, cancellationToken);

    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) => client.RevokeLeaseAsync(id, cancellationToken);

    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) => client.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) => client.ListLeasesAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }
}

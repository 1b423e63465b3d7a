using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cairn.Conformance;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.Etcd.Tests;

/// <summary>
/// What only the etcd backend has: a cluster that can be unreachable or go away, and etcd's own limits. The outage test
/// has an etcd of its own; the others use the assembly's, emptied first.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdKeyspaceTests(EtcdBackend etcd)
{
    // Short, so that a request to a stopped etcd fails quickly.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private static Task<EtcdKeyspace> ConnectAsync(string endpoint) => EtcdBackend.ConnectAsync(endpoint, RequestTimeout);

    private async Task<EtcdKeyspace> ConnectToEmptyAsync()
    {
        await etcd.EmptyAsync();
        return await EtcdBackend.ConnectAsync(etcd.Endpoint);
    }

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task Connect_ThrowsUnavailable_QuicklyWhenNothingListens()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<UnavailableException>(() => ConnectAsync($"http://127.0.0.1:{port}"));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Connect took {stopwatch.Elapsed} to fail.");
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Requests_FailWithUnavailable_WhileEtcdIsDown_AndWorkAgainOnceItIsBack()
    {
        await using var server = await EtcdBackend.StartDedicatedAsync();
        await using var store = await ConnectAsync(server.Endpoint);
        await store.PutAsync(Put("k", "1"));

        await server.StopAsync();
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<UnavailableException>(() => store.PutAsync(Put("k", "2")).AsTask());
        Assert.True(stopwatch.Elapsed < RequestTimeout + TimeSpan.FromSeconds(2), $"A put against a stopped etcd took {stopwatch.Elapsed} to fail.");

        await server.StartAgainAsync();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await store.PutAsync(Put("k", "3"));
                    return true;
                }
                catch (UnavailableException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(15),
            "the store reconnects to the restarted etcd");
        var kv = Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("k")))).Kvs);
        Assert.Equal("3", Encoding.UTF8.GetString(kv.Value.Span));
    }

    [Fact]
    public async Task Put_PastEtcdsSpaceQuota_ThrowsInsufficientStorage_AndDeletesStillWork()
    {
        // etcd's NOSPACE alarm (mvcc: database space exceeded) is the same 507 as the embedded store's full disk.
        await using var server = await EtcdBackend.StartDedicatedAsync(extraArguments: ["--quota-backend-bytes", (1L << 20).ToString(CultureInfo.InvariantCulture)]);
        await using var store = await ConnectAsync(server.Endpoint);
        var value = new byte[100 * 1024];
        InsufficientStorageException? refused = null;
        for (var i = 0; i < 200 && refused is null; i++)
        {
            try
            {
                await store.PutAsync(new PutRequest($"big/{i}", value));
            }
            catch (InsufficientStorageException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("database space exceeded", refused.Message, StringComparison.Ordinal);
        Assert.True(refused.IsTransient);
        await store.DeleteAsync(new DeleteRequest(KeyRange.Prefix("big/")));
    }

    [Fact]
    public async Task Put_OfAValueOverEtcdsRequestLimit_ThrowsLimitExceeded()
    {
        await using var store = await ConnectToEmptyAsync();

        var error = await Assert.ThrowsAsync<LimitExceededException>(
            () => store.PutAsync(new PutRequest("big", new byte[(int)(1.5 * 1024 * 1024) + 1])).AsTask());

        Assert.Equal("request", error.What);
        Assert.Equal(1536 * 1024, error.Limit);
        Assert.Empty((await store.RangeAsync(new RangeRequest(KeyRange.All))).Kvs);
    }

    [Fact]
    public async Task Txn_WithMoreOpsThanEtcdAllows_ThrowsLimitExceeded()
    {
        await using var store = await ConnectToEmptyAsync();
        var ops = Enumerable.Range(0, 129).Select(i => (KvRequest)Put($"k/{i:D3}", "v")).ToList();

        var error = await Assert.ThrowsAsync<LimitExceededException>(() => store.TxnAsync(new TxnRequest([], ops, [])).AsTask());

        Assert.Equal(("txn", 129L, 128L), (error.What, error.Actual, error.Limit));
        Assert.Empty((await store.RangeAsync(new RangeRequest(KeyRange.All))).Kvs);
    }

    [Fact]
    public async Task Status_ReportsTheEtcdBackend_TheRevisionAndTheCompactionPoint()
    {
        await using var store = await ConnectToEmptyAsync();
        await store.PutAsync(Put("a", "1"));
        var point = (await store.PutAsync(Put("a", "2"))).Revision;

        // Compacted by another client: the store learns the new point from etcd, not from its own cache.
        await using (var other = await EtcdBackend.ConnectAsync(etcd.Endpoint))
        {
            await other.CompactAsync(point);
        }

        var status = await store.StatusAsync();

        Assert.Equal((EtcdKeyspace.BackendName, point, point, 1L), (status.Backend, status.Revision, status.CompactRevision, status.KeyCount));
        Assert.True(status.SizeBytes > 0);
    }

    [Fact]
    public async Task Requests_ThrowUnavailable_AfterDispose_AndAnOpenWatchEnds()
    {
        var store = await ConnectToEmptyAsync();
        var put = await store.PutAsync(Put("k", "1"));
        await using var watch = new WatchCursor(store, new WatchRequest(KeyRange.Single("k")) { StartRevision = put.Revision });
        Assert.Single((await watch.NextEventsAsync()).Events);
        var waiting = watch.NextAsync();

        await store.DisposeAsync();

        await Assert.ThrowsAsync<UnavailableException>(() => waiting);
        await Assert.ThrowsAsync<UnavailableException>(() => store.PutAsync(Put("k", "2")).AsTask());
        await Assert.ThrowsAsync<UnavailableException>(() => store.RangeAsync(new RangeRequest(KeyRange.All)).AsTask());
    }

    [Fact]
    public async Task Grant_BelowEtcdsMinimumTtl_ReportsTheTtlEtcdGranted()
    {
        await using var store = await ConnectToEmptyAsync();

        var grant = await store.GrantLeaseAsync(Leases.MinTtlSeconds);
        var info = await store.LeaseTimeToLiveAsync(grant.Id);

        // etcd raises a TTL below 1.5 election timeouts (2 s by default) to that minimum, and says so.
        Assert.InRange(grant.TtlSeconds, Leases.MinTtlSeconds, 5);
        Assert.Equal(grant.TtlSeconds, info?.GrantedTtlSeconds);
        Assert.InRange(grant.Id, 1, (1L << 53) - 1);
    }
}

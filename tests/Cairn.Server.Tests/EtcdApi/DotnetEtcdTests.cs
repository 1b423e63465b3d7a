using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>dotnet-etcd (the .NET etcd client Cairn's own etcd backend uses) against Cairn's etcd API over h2c: keys,
/// prefixes, a watch and a lease, as an application written for etcd would use them. Each test works under its own
/// key prefix.</summary>
public sealed class DotnetEtcdTests(EtcdApiServerFixture cairn) : IClassFixture<EtcdApiServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private EtcdClient Client() =>
        new(cairn.EtcdEndpoint, configureChannelOptions: options => options.Credentials = ChannelCredentials.Insecure);

    [Fact]
    public async Task PutGetGetRangeDelete_Work()
    {
        using var client = Client();

        await client.PutAsync("dn/kv/a", "1");
        await client.PutAsync("dn/kv/b", "two");
        await client.PutAsync("dn/kvx", "outside the prefix");

        Assert.Equal("1", await client.GetValAsync("dn/kv/a"));
        var one = await client.GetAsync("dn/kv/b");
        Assert.Equal("two", Assert.Single(one.Kvs).Value.ToStringUtf8());

        var range = await client.GetRangeAsync("dn/kv/");
        Assert.Equal(new[] { "dn/kv/a", "dn/kv/b" }, range.Kvs.Select(kv => kv.Key.ToStringUtf8()));
        var values = await client.GetRangeValAsync("dn/kv/");
        Assert.Equal("dn/kv/a=1,dn/kv/b=two", string.Join(',', values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}")));

        var deleted = await client.DeleteAsync("dn/kv/a");
        Assert.Equal(1, deleted.Deleted);
        Assert.Empty((await client.GetAsync("dn/kv/a")).Kvs);

        var deletedRange = await client.DeleteRangeAsync("dn/kv/");
        Assert.Equal(1, deletedRange.Deleted);
        Assert.Empty((await client.GetRangeAsync("dn/kv/")).Kvs);
        Assert.Equal("outside the prefix", await client.GetValAsync("dn/kvx"));
    }

    [Fact]
    public async Task WatchOfAPrefix_ReceivesAPutMadeAfterwards()
    {
        using var client = Client();
        using var deadline = new CancellationTokenSource(Deadline);
        var events = new TaskCompletionSource<Mvccpb.Event>(TaskCreationOptions.RunContinuationsAsynchronously);

        // From the revision after the current one: the put below is seen even if the watch is created after it.
        var now = await client.GetRangeAsync("dn/watch/", cancellationToken: deadline.Token);
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8("dn/watch/"),
                RangeEnd = ByteString.CopyFromUtf8("dn/watch0"),
                StartRevision = now.Header.Revision + 1,
            },
        };
        var watch = client.WatchAsync(request, response =>
        {
            foreach (var change in response.Events)
            {
                events.TrySetResult(change);
            }
        }, cancellationToken: deadline.Token);

        await client.PutAsync("dn/other", "not watched", cancellationToken: deadline.Token);
        await client.PutAsync("dn/watch/k", "seen", cancellationToken: deadline.Token);
        var seen = await events.Task.WaitAsync(deadline.Token);

        Assert.Equal(Mvccpb.Event.Types.EventType.Put, seen.Type);
        Assert.Equal("dn/watch/k", seen.Kv.Key.ToStringUtf8());
        Assert.Equal("seen", seen.Kv.Value.ToStringUtf8());
        await deadline.CancelAsync();
        try
        {
            await watch.WaitAsync(Deadline);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            // The watch ends because it was cancelled.
        }
    }

    [Fact]
    public async Task LeaseGrant_PutWithTheLease_LeaseRevoke_RemovesTheKey()
    {
        using var client = Client();

        var lease = await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = 600 });
        Assert.NotEqual(0, lease.ID);
        Assert.Equal(600, lease.TTL);

        await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("dn/lease/k"), Value = ByteString.CopyFromUtf8("v"), Lease = lease.ID });
        var held = Assert.Single((await client.GetAsync("dn/lease/k")).Kvs);
        Assert.Equal(lease.ID, held.Lease);

        await client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease.ID });

        Assert.Empty((await client.GetAsync("dn/lease/k")).Kvs);
    }
}

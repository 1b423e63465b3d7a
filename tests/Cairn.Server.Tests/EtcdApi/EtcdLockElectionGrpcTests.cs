using Cairn.EtcdApi.Etcdserverpb;
using Cairn.EtcdApi.V3electionpb;
using Cairn.EtcdApi.V3lockpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>
/// etcd's Lock and Election services through the generated clients, against Cairn and against a real etcd: the same
/// calls give the same order of holders and leaders and the same errors. Each test uses names of its own.
/// </summary>
public sealed class EtcdLockElectionGrpcTests(EtcdApiServerFixture cairn, EtcdctlTests.EtcdFixture etcd)
    : IClassFixture<EtcdApiServerFixture>, IClassFixture<EtcdctlTests.EtcdFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private GrpcChannel Channel(string server) => GrpcChannel.ForAddress(server == "cairn" ? cairn.EtcdEndpoint : etcd.Server.Endpoint);

    [Theory]
    [InlineData("cairn")]
    [InlineData("etcd")]
    public async Task Lock_ThreeContenders_GetTheLockInTheOrderTheyAsked(string server)
    {
        using var channel = Channel(server);
        using var deadline = new CancellationTokenSource(Deadline);
        var locks = new Cairn.EtcdApi.V3lockpb.Lock.LockClient(channel);
        var leases = await GrantAsync(channel, 3);
        var name = ByteString.CopyFromUtf8("grpc-lock/order");

        var a = await locks.LockAsync(new LockRequest { Name = name, Lease = leases[0] }, cancellationToken: deadline.Token);
        Assert.Equal($"grpc-lock/order/{leases[0]:x}", a.Key.ToStringUtf8());
        var b = locks.LockAsync(new LockRequest { Name = name, Lease = leases[1] }, cancellationToken: deadline.Token).ResponseAsync;
        await UntilKeysAsync(channel, "grpc-lock/order/", 2);
        var c = locks.LockAsync(new LockRequest { Name = name, Lease = leases[2] }, cancellationToken: deadline.Token).ResponseAsync;
        await UntilKeysAsync(channel, "grpc-lock/order/", 3);
        Assert.False(b.IsCompleted || c.IsCompleted, "A lock was granted while another held it.");

        // Unlocking hands the lock to the next in line only; a lease revoked hands it on too.
        var unlocked = await locks.UnlockAsync(new UnlockRequest { Key = a.Key }, cancellationToken: deadline.Token);
        var second = await b;
        Assert.Equal($"grpc-lock/order/{leases[1]:x}", second.Key.ToStringUtf8());
        Assert.True(second.Header.Revision >= unlocked.Header.Revision);
        Assert.False(c.IsCompleted, "The third got the lock while the second held it.");
        await new Cairn.EtcdApi.Etcdserverpb.Lease.LeaseClient(channel).LeaseRevokeAsync(new LeaseRevokeRequest { ID = leases[1] }, cancellationToken: deadline.Token);
        Assert.Equal($"grpc-lock/order/{leases[2]:x}", (await c).Key.ToStringUtf8());
    }

    [Theory]
    [InlineData("cairn")]
    [InlineData("etcd")]
    public async Task Lock_GivenUpWhileWaiting_LeavesNoKey(string server)
    {
        using var channel = Channel(server);
        var locks = new Cairn.EtcdApi.V3lockpb.Lock.LockClient(channel);
        var leases = await GrantAsync(channel, 2);
        var name = ByteString.CopyFromUtf8("grpc-lock/cancel");
        await locks.LockAsync(new LockRequest { Name = name, Lease = leases[0] });

        using var giveUp = new CancellationTokenSource();
        var waiting = locks.LockAsync(new LockRequest { Name = name, Lease = leases[1] }, cancellationToken: giveUp.Token).ResponseAsync;
        await UntilKeysAsync(channel, "grpc-lock/cancel/", 2);
        await giveUp.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => waiting)).StatusCode);
        await UntilKeysAsync(channel, "grpc-lock/cancel/", 1);
    }

    [Theory]
    [InlineData("cairn")]
    [InlineData("etcd")]
    public async Task Lock_WithAnUnknownLease_IsRefused_WithEtcdsText(string server)
    {
        using var channel = Channel(server);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Cairn.EtcdApi.V3lockpb.Lock.LockClient(channel).LockAsync(new LockRequest { Name = ByteString.CopyFromUtf8("grpc-lock/unknown"), Lease = 0x5eed }));

        // etcd's lock runs on its server's own client: the error reaches the caller as a plain one (Unknown), with the text.
        Assert.Equal((StatusCode.Unknown, "etcdserver: requested lease not found"), (error.StatusCode, error.Status.Detail));
        Assert.Equal(0, (await new KV.KVClient(channel).RangeAsync(Prefix("grpc-lock/unknown/"))).Count);
    }

    [Theory]
    [InlineData("cairn")]
    [InlineData("etcd")]
    public async Task Election_CampaignProclaimResign_AsTheObserverAndLeaderSeeThem(string server)
    {
        using var channel = Channel(server);
        using var deadline = new CancellationTokenSource(Deadline);
        var election = new Election.ElectionClient(channel);
        var leases = await GrantAsync(channel, 2);
        var name = ByteString.CopyFromUtf8("grpc-election/a");

        var noLeader = await Assert.ThrowsAsync<RpcException>(async () => await election.LeaderAsync(new LeaderRequest { Name = name }));
        Assert.Equal((StatusCode.Unknown, "election: no leader"), (noLeader.StatusCode, noLeader.Status.Detail));

        using var observe = election.Observe(new LeaderRequest { Name = name }, cancellationToken: deadline.Token);
        var first = (await election.CampaignAsync(new CampaignRequest { Name = name, Lease = leases[0], Value = ByteString.CopyFromUtf8("one") }, cancellationToken: deadline.Token)).Leader;
        Assert.Equal(($"grpc-election/a/{leases[0]:x}", "grpc-election/a", leases[0]), (first.Key.ToStringUtf8(), first.Name.ToStringUtf8(), first.Lease));
        Assert.Equal("one", (await NextAsync(observe, deadline.Token)).Value.ToStringUtf8());

        await election.ProclaimAsync(new ProclaimRequest { Leader = first, Value = ByteString.CopyFromUtf8("one, again") }, cancellationToken: deadline.Token);
        Assert.Equal("one, again", (await NextAsync(observe, deadline.Token)).Value.ToStringUtf8());
        var leader = await election.LeaderAsync(new LeaderRequest { Name = name }, cancellationToken: deadline.Token);
        Assert.Equal((first.Key, first.Rev, "one, again"), (leader.Kv.Key, leader.Kv.CreateRevision, leader.Kv.Value.ToStringUtf8()));

        // A second campaigner waits; when the leader resigns it leads, and the observer sees it.
        var campaign = election.CampaignAsync(new CampaignRequest { Name = name, Lease = leases[1], Value = ByteString.CopyFromUtf8("two") }, cancellationToken: deadline.Token).ResponseAsync;
        await UntilKeysAsync(channel, "grpc-election/a/", 2);
        Assert.False(campaign.IsCompleted, "The second campaigner was elected while the first led.");
        await election.ResignAsync(new ResignRequest { Leader = first }, cancellationToken: deadline.Token);
        var second = (await campaign).Leader;
        Assert.Equal($"grpc-election/a/{leases[1]:x}", second.Key.ToStringUtf8());
        var seen = await NextAsync(observe, deadline.Token);
        Assert.Equal((second.Key, "two"), (seen.Key, seen.Value.ToStringUtf8()));

        // The first is leader no more: its proclamation is refused, as etcd refuses it.
        var stale = await Assert.ThrowsAsync<RpcException>(async () => await election.ProclaimAsync(new ProclaimRequest { Leader = first, Value = ByteString.CopyFromUtf8("stale") }));
        Assert.Equal((StatusCode.Unknown, "election: not leader"), (stale.StatusCode, stale.Status.Detail));
    }

    private static async Task<long[]> GrantAsync(GrpcChannel channel, int count)
    {
        var client = new Cairn.EtcdApi.Etcdserverpb.Lease.LeaseClient(channel);
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = 60 })).ID;
        }

        return ids;
    }

    private static RangeRequest Prefix(string prefix) => new()
    {
        Key = ByteString.CopyFromUtf8(prefix),
        RangeEnd = ByteString.CopyFromUtf8(prefix[..^1] + (char)(prefix[^1] + 1)),
        CountOnly = true,
    };

    // Waits until `count` contenders' keys are under the prefix: those asked have queued.
    private static Task UntilKeysAsync(GrpcChannel channel, string prefix, int count)
    {
        var kv = new KV.KVClient(channel);
        return Eventually.UntilAsync(async () => (await kv.RangeAsync(Prefix(prefix))).Count == count, Deadline, $"{count} keys are under {prefix}");
    }

    private static async Task<Cairn.EtcdApi.Mvccpb.KeyValue> NextAsync(AsyncServerStreamingCall<LeaderResponse> observe, CancellationToken cancellationToken)
    {
        Assert.True(await observe.ResponseStream.MoveNext(cancellationToken), "The observation ended.");
        return observe.ResponseStream.Current.Kv;
    }
}

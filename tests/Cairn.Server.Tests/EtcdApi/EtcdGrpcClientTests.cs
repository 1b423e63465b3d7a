using System.Net;
using System.Net.Http.Headers;
using Cairn.EtcdApi.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>etcd's own generated C# client (over h2c) against Cairn: errors come back as etcd gives them, and bad or
/// greedy clients do not hurt the server.</summary>
public sealed class EtcdGrpcClientTests(EtcdApiServerFixture cairn) : IClassFixture<EtcdApiServerFixture>
{
    private GrpcChannel Channel() => GrpcChannel.ForAddress(cairn.EtcdEndpoint);

    private static Metadata NoHeaders => [];

    [Fact]
    public async Task Range_AtACompactedRevision_IsOutOfRange_WithEtcdsText()
    {
        using var channel = Channel();
        var kv = new KV.KVClient(channel);
        var first = await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("grpc/compacted"), Value = ByteString.CopyFromUtf8("1") });
        var second = await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("grpc/compacted"), Value = ByteString.CopyFromUtf8("2") });
        await kv.CompactAsync(new CompactionRequest { Revision = second.Header.Revision });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("grpc/compacted"), Revision = first.Header.Revision }));

        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        Assert.Equal("etcdserver: mvcc: required revision has been compacted", error.Status.Detail);
    }

    [Fact]
    public async Task LeaseRevoke_OfAnUnknownLease_IsNotFound_WithEtcdsText()
    {
        using var channel = Channel();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new Lease.LeaseClient(channel).LeaseRevokeAsync(new LeaseRevokeRequest { ID = 424242 }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("etcdserver: requested lease not found", error.Status.Detail);
    }

    [Fact]
    public async Task Put_WithoutAKey_IsInvalidArgument_WithEtcdsText()
    {
        using var channel = Channel();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new KV.KVClient(channel).PutAsync(new PutRequest { Value = ByteString.CopyFromUtf8("v") }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("etcdserver: key is not provided", error.Status.Detail);
    }

    [Fact]
    public async Task OversizeRequest_IsRefused_WithEtcdsText()
    {
        using var channel = Channel();
        var value = ByteString.CopyFrom(new byte[cairn.Server.Options.Limits.MaxRequestBytes + 1024]);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new KV.KVClient(channel).PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("grpc/big"), Value = value }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("etcdserver: request is too large", error.Status.Detail);
    }

    [Fact]
    public async Task MalformedProtobuf_IsAnErrorStatus_AndTheServerStillAnswers()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        // A gRPC frame of 5 bytes that are no protobuf message (a field of wire type 7 does not exist).
        var content = new ByteArrayContent([0, 0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var response = await http.PostAsync(cairn.EtcdEndpoint + "/etcdserverpb.KV/Range", content);
        await response.Content.ReadAsByteArrayAsync();
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single() : response.Headers.GetValues("grpc-status").Single();

        Assert.NotEqual("0", status);
        using var channel = Channel();
        var put = await new KV.KVClient(channel).PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("grpc/after-garbage"), Value = ByteString.CopyFromUtf8("ok") });
        Assert.True(put.Header.Revision > 0);
    }

    [Fact]
    public async Task WatchStream_ThatNeverReads_DoesNotHangTheServer()
    {
        using var greedy = Channel();
        using var watch = new Watch.WatchClient(greedy).Watch();
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("greedy/"), RangeEnd = ByteString.CopyFromUtf8("greedy0") } });

        // Far more than HTTP/2's flow-control windows and the stream's queue hold, never read by the watcher.
        using var channel = Channel();
        var kv = new KV.KVClient(channel);
        var value = ByteString.CopyFrom(new byte[64 * 1024]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 300; i++)
        {
            await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"greedy/{i % 10}"), Value = value }, cancellationToken: deadline.Token);
        }

        var read = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("greedy/0") }, cancellationToken: deadline.Token);
        Assert.Equal(1, read.Count);
        var status = await new Maintenance.MaintenanceClient(channel).StatusAsync(new StatusRequest(), cancellationToken: deadline.Token);
        Assert.Equal("3.6.0", status.Version);
    }
}

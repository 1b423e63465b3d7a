using Cairn.Client;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Testing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>A client that resets its watch or keep-alive stream (etcdctl on ^C, a client closing its channel) is the
/// usual end of such a stream: the server's log says nothing of it, where it used to print an error with a stack
/// trace for each.</summary>
public sealed class EtcdStreamResetTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-reset-" + Guid.NewGuid().ToString("N")[..12]);

    public EtcdStreamResetTests() => Directory.CreateDirectory(_dataDir);

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task ResetWatchAndKeepAliveStreams_LeaveNoErrorInTheLog()
    {
        var socket = Path.Combine(_dataDir, "etcd.sock");
        using var server = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60), new Dictionary<string, string>
        {
            ["CAIRN_ETCDAPI__LISTEN__0"] = "unix:" + socket,
            ["CAIRN_LOGGING__LOGLEVEL__DEFAULT"] = "Information",
            ["CAIRN_LOGGING__LOGLEVEL__MICROSOFT.ASPNETCORE"] = "Information",
        });
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(socket) },
        });

        using (var watchCall = new Watch.WatchClient(channel).Watch())
        {
            await watchCall.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("reset/k") } });
            using var created = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.True(await watchCall.ResponseStream.MoveNext(created.Token));
            Assert.True(watchCall.ResponseStream.Current.Created);
        } // disposing a call that has not finished resets its stream

        var lease = await new Lease.LeaseClient(channel).LeaseGrantAsync(new LeaseGrantRequest { TTL = 60 });
        using (var keepAlive = new Lease.LeaseClient(channel).LeaseKeepAlive())
        {
            await keepAlive.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease.ID });
            using var answered = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.True(await keepAlive.ResponseStream.MoveNext(answered.Token));
        }

        // ASP.NET Core's "Request finished" line for each stream says the server is done with it, and so has logged
        // whatever it was going to log about it.
        await Eventually.UntilAsync(
            () => server.Output.Split('\n').Count(l => l.Contains("Request finished", StringComparison.Ordinal) && l.Contains("etcdserverpb.", StringComparison.Ordinal)) >= 3,
            TimeSpan.FromSeconds(60),
            "the server finished both streams; its output:" + Environment.NewLine + server.Output);

        Assert.False(server.Output.Contains("reset the request stream", StringComparison.OrdinalIgnoreCase), server.Output);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", server.Output, StringComparison.Ordinal);
    }
}

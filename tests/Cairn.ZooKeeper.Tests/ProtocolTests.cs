using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Cairn.ZooKeeper.Tests;

// What a real server never does, played by a scripted one: answers out of order, or is not a ZooKeeper server at all.
public sealed class ProtocolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReplyOutOfOrder_FailsTheRequestWithConnectionLoss_AndTheClientResumesTheSessionElsewhere()
    {
        await using var server = await FakeServer.StartAsync();
        await using var zk = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = server.Endpoint, ConnectTimeout = Patience });

        server.AnswerNextWithWrongXid = true;
        var lost = await Assert.ThrowsAsync<ConnectionLossException>(() => zk.ExistsAsync("/a"));
        // A request sent while the client is still finding out that the connection is gone fails with ConnectionLoss
        // too ("may or may not have applied"); the next one goes over the resumed session.
        Stat? after = null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                after = await zk.ExistsAsync("/b");
                break;
            }
            catch (ConnectionLossException) when (attempt < 3)
            {
            }
        }

        Assert.Contains("out of order", lost.Message);
        Assert.Null(after);
        Assert.Equal(2, server.Handshakes.Count);
        Assert.Equal(0L, server.Handshakes[0].SessionId);
        Assert.Equal(new byte[16], server.Handshakes[0].Password);
        Assert.Equal(FakeServer.SessionId, server.Handshakes[1].SessionId);
        Assert.Equal(FakeServer.Password, server.Handshakes[1].Password);
        Assert.Equal(FakeServer.SessionId, zk.SessionId);
    }

    [Fact]
    public async Task PeerThatIsNotZooKeeper_FailsTheConnect_SayingSo()
    {
        using var http = new TcpListener(IPAddress.Loopback, 0);
        http.Start();
        var endpoint = $"127.0.0.1:{((IPEndPoint)http.LocalEndpoint).Port}";
        using var stop = new CancellationTokenSource();
        var answering = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var peer = await http.AcceptSocketAsync(stop.Token);
                await peer.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), SocketFlags.None);
            }
        });

        var error = await Assert.ThrowsAsync<ZooKeeperConnectException>(() => ZooKeeperClient.ConnectAsync(
            new ZooKeeperClientOptions { ConnectString = endpoint, ConnectTimeout = TimeSpan.FromSeconds(2) }));
        await stop.CancelAsync();

        Assert.Contains("is this a ZooKeeper server?", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    // Answers the handshake with a fixed session, and every request with NoNode (what an exists of a missing node gets).
    private sealed class FakeServer : IAsyncDisposable
    {
        public const long SessionId = 0x1234_5678;
        public static readonly byte[] Password = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _serving = Task.CompletedTask;

        public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public List<(long SessionId, byte[] Password)> Handshakes { get; } = [];

        public volatile bool AnswerNextWithWrongXid;

        public static Task<FakeServer> StartAsync()
        {
            var server = new FakeServer();
            server._listener.Start();
            server._serving = Task.Run(server.ServeAsync);
            return Task.FromResult(server);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptSocketAsync(_stop.Token);
                try
                {
                    await ServeConnectionAsync(client);
                }
                catch (Exception ex) when (ex is SocketException or EndOfStreamException)
                {
                    // The client hung up; serve the next connection.
                }
            }
        }

        private async Task ServeConnectionAsync(Socket client)
        {
            var connect = await ReadFrameAsync(client);
            var sessionId = BinaryPrimitives.ReadInt64BigEndian(connect.AsSpan(16));
            var password = connect.AsSpan(28, BinaryPrimitives.ReadInt32BigEndian(connect.AsSpan(24))).ToArray();
            lock (Handshakes)
            {
                Handshakes.Add((sessionId, password));
            }

            var answer = new byte[4 + 4 + 8 + 4 + 16 + 1];
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(4), 4000);
            BinaryPrimitives.WriteInt64BigEndian(answer.AsSpan(8), SessionId);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(16), 16);
            Password.CopyTo(answer, 20);
            await SendFrameAsync(client, answer);

            while (true)
            {
                var request = await ReadFrameAsync(client);
                var xid = BinaryPrimitives.ReadInt32BigEndian(request);
                var reply = new byte[16];
                if (AnswerNextWithWrongXid && xid > 0)
                {
                    AnswerNextWithWrongXid = false;
                    xid += 1000;
                }

                BinaryPrimitives.WriteInt32BigEndian(reply, xid);
                BinaryPrimitives.WriteInt64BigEndian(reply.AsSpan(4), 1);
                BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(12), xid < 0 ? 0 : (int)ZooKeeperErrorCode.NoNode);
                await SendFrameAsync(client, reply);
            }
        }

        private async Task<byte[]> ReadFrameAsync(Socket client)
        {
            var length = new byte[4];
            await ReadExactlyAsync(client, length);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
            await ReadExactlyAsync(client, body);
            return body;
        }

        private async Task ReadExactlyAsync(Socket client, byte[] buffer)
        {
            for (var read = 0; read < buffer.Length;)
            {
                var n = await client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, _stop.Token);
                read += n > 0 ? n : throw new EndOfStreamException();
            }
        }

        private async Task SendFrameAsync(Socket client, byte[] body)
        {
            var frame = new byte[4 + body.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
            body.CopyTo(frame, 4);
            await client.SendAsync(frame, SocketFlags.None, _stop.Token);
        }
    }
}

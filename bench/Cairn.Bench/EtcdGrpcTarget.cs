using System.Diagnostics;
using Cairn.Client;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Bench;

/// <summary>
/// etcd v3 over gRPC with the stubs of the dotnet-etcd package (etcd's own protocol, as its Go client speaks it): one
/// HTTP/2 channel, every client's calls multiplexed on it, as etcd's clients do. The same driver measures etcd and
/// Cairn's etcd API (<c>cairn serve --etcd-listen</c>), on TCP or on a Unix socket.
/// </summary>
internal sealed class EtcdGrpcTarget : IBenchTarget
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private static readonly ByteString WatchKey = ByteString.CopyFromUtf8("bench/watch");
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly ByteString[] _keys;
    private readonly string _name;

    /// <summary>A channel to <paramref name="endpoint"/>: <c>http://HOST:PORT</c> (h2c), or <c>unix:PATH</c>.</summary>
    public EtcdGrpcTarget(string endpoint, int keyCount, string name = "etcd")
    {
        _name = name;
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false };
        if (endpoint.StartsWith("unix:", StringComparison.Ordinal))
        {
            // Every connection goes to the socket; the address only gives the scheme (h2c) and the :authority.
            handler.ConnectCallback = UnixSocketConnector.ConnectTo(endpoint["unix:".Length..]);
            endpoint = "http://localhost";
        }

        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        _kv = new KV.KVClient(_channel);
        _keys = new ByteString[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            _keys[i] = ByteString.CopyFromUtf8($"bench/{i}");
        }
    }

    public string Name => _name;

    public async Task PutAsync(int key, byte[] value, CancellationToken ct) =>
        await _kv.PutAsync(new PutRequest { Key = _keys[key], Value = UnsafeByteOperations.UnsafeWrap(value) }, cancellationToken: ct).ConfigureAwait(false);

    public async Task GetAsync(int key, CancellationToken ct)
    {
        var response = await _kv.RangeAsync(new RangeRequest { Key = _keys[key] }, cancellationToken: ct).ConfigureAwait(false);
        if (response.Kvs.Count == 0)
        {
            throw new IOException($"{_name} has no key bench/{key}.");
        }
    }

    // A create is a txn: put only if the key's create revision is 0 (it does not exist), as etcd's clients create.
    public async Task CreateAsync(int client, long sequence, byte[] value, CancellationToken ct)
    {
        var key = ByteString.CopyFromUtf8($"bench/c/{RunId}-{client}-{sequence}");
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = UnsafeByteOperations.UnsafeWrap(value) } });
        var response = await _kv.TxnAsync(txn, cancellationToken: ct).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new IOException($"{_name}: {key.ToStringUtf8()} exists.");
        }
    }

    public async Task<long> VersionAsync(int key, CancellationToken ct)
    {
        var response = await _kv.RangeAsync(new RangeRequest { Key = _keys[key] }, cancellationToken: ct).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? throw new IOException($"{_name} has no key bench/{key}.") : response.Kvs[0].ModRevision;
    }

    public async Task<long> CasAsync(int key, long expected, byte[] value, CancellationToken ct)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = _keys[key], Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expected });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = _keys[key], Value = UnsafeByteOperations.UnsafeWrap(value) } });
        var response = await _kv.TxnAsync(txn, cancellationToken: ct).ConfigureAwait(false);
        return response.Succeeded ? response.Header.Revision : throw new IOException($"{_name}: bench/{key} is no longer at mod revision {expected}.");
    }

    public async Task PutWatchedAsync(byte[] value, CancellationToken ct) =>
        await _kv.PutAsync(new PutRequest { Key = WatchKey, Value = UnsafeByteOperations.UnsafeWrap(value) }, cancellationToken: ct).ConfigureAwait(false);

    // One watch stream; an event counts as received when its response message has been read off the stream.
    public async Task<IEventStream> OpenWatchAsync(CancellationToken ct)
    {
        var call = new Watch.WatchClient(_channel).Watch(cancellationToken: CancellationToken.None);
        var events = new ChannelEventStream(() =>
        {
            call.Dispose();
            return ValueTask.CompletedTask;
        });
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = WatchKey } }, ct).ConfigureAwait(false);
        events.Start(async (writer, created, stop) =>
        {
            while (await call.ResponseStream.MoveNext(stop).ConfigureAwait(false))
            {
                var now = Stopwatch.GetTimestamp();
                var response = call.ResponseStream.Current;
                if (response.Created)
                {
                    created();
                }

                if (response.Events.Count > 0)
                {
                    writer.TryWrite(now);
                }
            }
        });
        await events.WaitCreatedAsync(ct).ConfigureAwait(false);
        return events;
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}

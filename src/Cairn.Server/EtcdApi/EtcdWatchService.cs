using System.Threading.Channels;
using Cairn.Core;
using Cairn.Server.Api;
using Google.Protobuf;
using Grpc.Core;
using Etcd = Cairn.EtcdApi.Etcdserverpb;
using Mvcc = Cairn.EtcdApi.Mvccpb;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Watch service: one bidirectional stream carries many watches, each a <see cref="IKeyspace.WatchAsync"/> of its
/// own. Every answer goes through one bounded queue to one writer task (a gRPC stream takes one write at a time). A
/// client that stops reading fills the queue: a watch whose answer finds it full is canceled with a reason (the client
/// may start it again from the revision it reached), and new requests wait, so the server's memory for the stream
/// stays bounded.
/// </summary>
internal sealed class EtcdWatchService(IKeyspace store, EtcdIdentity identity, CairnOptions options) : Etcd.Watch.WatchBase
{
    /// <summary>Answers a stream holds for a client that does not read before its watches are canceled.</summary>
    public const int QueueCapacity = 64;

    /// <summary>The reason given to a watch canceled because the client did not read.</summary>
    public const string SlowReaderReason = "Cairn canceled the watch: the client did not read its answers and the stream's queue is full; watch again from the last revision received.";

    public override async Task Watch(IAsyncStreamReader<Etcd.WatchRequest> requestStream, IServerStreamWriter<Etcd.WatchResponse> responseStream, ServerCallContext context)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var outbox = Channel.CreateBounded<Etcd.WatchResponse>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var writer = WriteAllAsync(outbox.Reader, responseStream, stream);
        var session = new Session(store, identity, outbox.Writer, KeyspaceAccess.EventFilter(context.GetHttpContext()), options.Limits.MaxRequestBytes, stream.Token);
        try
        {
            while (await requestStream.MoveNext(stream.Token).ConfigureAwait(false))
            {
                var request = requestStream.Current;
                switch (request.RequestUnionCase)
                {
                    case Etcd.WatchRequest.RequestUnionOneofCase.CreateRequest:
                        await session.CreateAsync(request.CreateRequest, context).ConfigureAwait(false);
                        break;
                    case Etcd.WatchRequest.RequestUnionOneofCase.CancelRequest:
                        await session.CancelAsync(request.CancelRequest.WatchId).ConfigureAwait(false);
                        break;
                    case Etcd.WatchRequest.RequestUnionOneofCase.ProgressRequest:
                        await session.ProgressAsync().ConfigureAwait(false);
                        break;
                    default:
                        break; // etcd ignores a request with nothing in it
                }
            }
        }
        catch (OperationCanceledException) when (stream.IsCancellationRequested)
        {
            // The client went away, or the writer stopped.
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
            outbox.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    // The one writer of the response stream. When a write fails (the client is gone) the whole stream stops.
    private static async Task WriteAllAsync(ChannelReader<Etcd.WatchResponse> outbox, IServerStreamWriter<Etcd.WatchResponse> responseStream, CancellationTokenSource stream)
    {
        await Task.Yield();
        try
        {
            await foreach (var response in outbox.ReadAllAsync(stream.Token).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(response, stream.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            await stream.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The watches of one stream.</summary>
    private sealed class Session(IKeyspace store, EtcdIdentity identity, ChannelWriter<Etcd.WatchResponse> outbox, Func<string, bool>? canRead, long maxFragmentBytes, CancellationToken streamToken) : IAsyncDisposable
    {
        private readonly Dictionary<long, (CancellationTokenSource Cancel, Task Pump)> _watches = [];
        private readonly Lock _lock = new();
        private long _nextId;

        public async Task CreateAsync(Etcd.WatchCreateRequest create, ServerCallContext context)
        {
            long id;
            lock (_lock)
            {
                if (create.WatchId != 0 && _watches.ContainsKey(create.WatchId))
                {
                    id = -1;
                }
                else if (create.WatchId != 0)
                {
                    id = create.WatchId;
                }
                else
                {
                    while (_watches.ContainsKey(_nextId))
                    {
                        _nextId++;
                    }

                    id = _nextId++;
                }
            }

            if (id < 0)
            {
                await SendAsync(new Etcd.WatchResponse { Header = identity.Header(0), WatchId = create.WatchId, Created = true, Canceled = true, CancelReason = "mvcc: duplicate watch ID provided" }).ConfigureAwait(false);
                return;
            }

            Core.WatchRequest request;
            long revision;
            try
            {
                var range = EtcdConvert.Range(create.Key, create.RangeEnd);
                EtcdAccess.DemandWatch(context, range);
                (request, revision) = await WatchStart.ResolveAsync(store, new Core.WatchRequest(range)
                {
                    StartRevision = create.StartRevision,
                    PrevKv = create.PrevKv,
                    ProgressInterval = create.ProgressNotify ? null : TimeSpan.Zero,
                }, streamToken).ConfigureAwait(false);
            }
            catch (CompactedException ex)
            {
                await SendAsync(new Etcd.WatchResponse { Header = identity.Header(ex.CompactRevision), WatchId = id, Created = true }).ConfigureAwait(false);
                await SendAsync(Canceled(id, ex.CompactRevision, EtcdErrors.Compacted, ex.CompactRevision)).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is CairnException or RpcException)
            {
                // etcd answers a watch it refuses on the stream, which stays open for the others.
                var reason = ex is RpcException rpc ? rpc.Status.Detail : EtcdErrors.From((CairnException)ex).Status.Detail;
                await SendAsync(new Etcd.WatchResponse { Header = identity.Header(0), WatchId = id, Created = true, Canceled = true, CancelReason = reason }).ConfigureAwait(false);
                return;
            }

            var cancel = CancellationTokenSource.CreateLinkedTokenSource(streamToken);
            await SendAsync(new Etcd.WatchResponse { Header = identity.Header(revision), WatchId = id, Created = true }).ConfigureAwait(false);
            lock (_lock)
            {
                _watches[id] = (cancel, PumpAsync(id, create, request, cancel));
            }
        }

        public async Task CancelAsync(long id)
        {
            if (await StopAsync(id).ConfigureAwait(false))
            {
                await SendAsync(Canceled(id, 0, "", await EtcdRevision.CurrentAsync(store, streamToken).ConfigureAwait(false))).ConfigureAwait(false);
            }
        }

        // etcd answers a progress request with one response for the whole stream (watch id -1).
        public async Task ProgressAsync() =>
            await SendAsync(new Etcd.WatchResponse { Header = identity.Header(await EtcdRevision.CurrentAsync(store, streamToken).ConfigureAwait(false)), WatchId = -1 }).ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            List<long> ids;
            lock (_lock)
            {
                ids = [.. _watches.Keys];
            }

            foreach (var id in ids)
            {
                await StopAsync(id).ConfigureAwait(false);
            }
        }

        private async Task<bool> StopAsync(long id)
        {
            (CancellationTokenSource Cancel, Task Pump) watch;
            lock (_lock)
            {
                if (!_watches.Remove(id, out watch))
                {
                    return false;
                }
            }

            await watch.Cancel.CancelAsync().ConfigureAwait(false);
            await watch.Pump.ConfigureAwait(false);
            watch.Cancel.Dispose();
            return true;
        }

        private Task SendAsync(Etcd.WatchResponse response) => outbox.WriteAsync(response, streamToken).AsTask();

        private Etcd.WatchResponse Canceled(long id, long compactRevision, string reason, long revision) => new()
        {
            Header = identity.Header(revision),
            WatchId = id,
            Canceled = true,
            CompactRevision = compactRevision,
            CancelReason = reason,
        };

        private async Task PumpAsync(long id, Etcd.WatchCreateRequest create, Core.WatchRequest request, CancellationTokenSource cancel)
        {
            await Task.Yield();
            var noPut = create.Filters.Contains(Etcd.WatchCreateRequest.Types.FilterType.Noput);
            var noDelete = create.Filters.Contains(Etcd.WatchCreateRequest.Types.FilterType.Nodelete);
            Etcd.WatchResponse? ending = null;
            try
            {
                await foreach (var response in KeyspaceAccess.FilterAsync(store.WatchAsync(request, cancel.Token), canRead, cancel.Token).ConfigureAwait(false))
                {
                    var events = response.Events
                        .Where(e => e.Type == WatchEventType.Put ? !noPut : !noDelete)
                        .Select(ToEtcd)
                        .ToList();
                    if (events.Count == 0 && !response.IsProgressNotify)
                    {
                        continue;
                    }

                    foreach (var answer in Fragments(id, response.Revision, events, create.Fragment))
                    {
                        if (!outbox.TryWrite(answer))
                        {
                            ending = Canceled(id, 0, SlowReaderReason, response.Revision);
                            return;
                        }
                    }
                }
            }
            catch (CompactedException ex)
            {
                ending = Canceled(id, ex.CompactRevision, EtcdErrors.Compacted, ex.CompactRevision);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
            catch (CairnException ex)
            {
                ending = Canceled(id, 0, EtcdErrors.From(ex).Status.Detail, 0);
            }
            finally
            {
                if (ending is not null)
                {
                    lock (_lock)
                    {
                        _watches.Remove(id);
                    }

                    // Waits for room (bounded: one per watch); given up with the stream.
                    try
                    {
                        await SendAsync(ending).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
                    {
                    }
                }
            }
        }

        // The events of one revision, in one response, or with fragment set in as many as keep each under the request
        // limit (etcd splits at its max request size), every one but the last marked as a fragment.
        private IEnumerable<Etcd.WatchResponse> Fragments(long id, long revision, List<Mvcc.Event> events, bool fragment)
        {
            var whole = new Etcd.WatchResponse { Header = identity.Header(revision), WatchId = id };
            whole.Events.AddRange(events);
            if (!fragment || events.Count <= 1 || whole.CalculateSize() <= maxFragmentBytes)
            {
                yield return whole;
                yield break;
            }

            var part = new Etcd.WatchResponse { Header = identity.Header(revision), WatchId = id, Fragment = true };
            var size = 0L;
            foreach (var e in events)
            {
                var eventSize = e.CalculateSize() + 8;
                if (part.Events.Count > 0 && size + eventSize > maxFragmentBytes)
                {
                    yield return part;
                    part = new Etcd.WatchResponse { Header = identity.Header(revision), WatchId = id, Fragment = true };
                    size = 0;
                }

                part.Events.Add(e);
                size += eventSize;
            }

            part.Fragment = false;
            yield return part;
        }

        private static Mvcc.Event ToEtcd(WatchEvent e) => new()
        {
            Type = e.Type == WatchEventType.Put ? Mvcc.Event.Types.EventType.Put : Mvcc.Event.Types.EventType.Delete,
            Kv = EtcdConvert.ToEtcd(e.Kv),
            PrevKv = e.PrevKv is { } prev ? EtcdConvert.ToEtcd(prev) : null,
        };
    }
}

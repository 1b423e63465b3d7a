using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cairn.Core;
using Etcdserverpb;
using Grpc.Core;
using V3 = Etcdserverpb;

namespace Cairn.Storage.Etcd;

public sealed partial class EtcdKeyspace
{
    private static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromSeconds(10);

    // etcd 3.4 syncs a watcher that starts in the past from history every 100 ms; until then its answer to a progress
    // request may be ahead of what it has sent, so such a watcher reports progress only after this.
    private static readonly TimeSpan ReplaySettle = TimeSpan.FromMilliseconds(300);

    /// <inheritdoc />
    /// <remarks>
    /// One etcd watch stream per call. etcd sends the events of one revision in one message; a message with several
    /// revisions is split per revision here. Progress: after <see cref="Core.WatchRequest.ProgressInterval"/> with nothing
    /// delivered, a progress request is sent on the stream; etcd 3.4 answers it at once with its current revision, possibly
    /// before an event of that revision still queued for this watcher, so a second request is sent and the first answer is
    /// reported only after the second comes back, with every event sent before it delivered first.
    /// </remarks>
    public async IAsyncEnumerable<Core.WatchResponse> WatchAsync(Core.WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        if (request.StartRevision < 0)
        {
            throw new InvalidArgumentException($"A watch's start revision must not be negative; got {request.StartRevision}.");
        }

        var progressEvery = request.ProgressInterval ?? DefaultProgressInterval;
        if (progressEvery < TimeSpan.Zero)
        {
            throw new InvalidArgumentException("A watch's progress interval must not be negative.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var (key, end) = _prefix.Bounds(request.Range);
        var create = new WatchCreateRequest { Key = key, StartRevision = request.StartRevision, PrevKv = request.PrevKv };
        if (end is not null)
        {
            create.RangeEnd = end;
        }

        WatchStream? stream = null;
        try
        {
            // The token goes with the stream, not with each request: when etcd refuses it, a new stream with a new token.
            V3.WatchResponse created;
            WatchStream open;
            for (var attempt = 0; ; attempt++)
            {
                var token = _token;
                stream = open = new WatchStream(_watch.Watch(CallOptions(stop.Token, deadline: false)), stop.Token);
                await SendAsync(open.Call, new V3.WatchRequest { CreateRequest = create }, request, stop.Token).ConfigureAwait(false);
                var renew = attempt == 0 && _options.Username is not null;
                if (await ReceiveAsync(open.Inbox, request, request.StartRevision, returnNullIfRefused: renew, stop.Token, cancellationToken).ConfigureAwait(false) is { } answer)
                {
                    created = answer;
                    break;
                }

                stream = null;
                await open.DisposeAsync().ConfigureAwait(false);
                await RenewTokenAsync(token, cancellationToken).ConfigureAwait(false);
            }

            var call = open.Call;
            var inbox = open.Inbox;
            var next = request.StartRevision == 0 ? created.Header.Revision + 1 : request.StartRevision;
            var replaying = request.StartRevision != 0 && request.StartRevision <= created.Header.Revision;
            // Times on the monotonic clock: a step of the wall clock must not hold back or hurry progress notifications.
            var clock = Stopwatch.StartNew();
            var settledAt = replaying ? ReplaySettle : TimeSpan.Zero;
            var lastDelivery = clock.Elapsed;
            long? asked = null; // the revision of the first progress answer, waiting for the second
            var progressRequested = false;
            Task<bool>? waiting = null;
            while (true)
            {
                waiting ??= inbox.WaitToReadAsync(stop.Token).AsTask();
                if (progressEvery > TimeSpan.Zero && !progressRequested && !waiting.IsCompleted)
                {
                    var due = Max(lastDelivery + progressEvery, settledAt) - clock.Elapsed;
                    if (due > TimeSpan.Zero && await Task.WhenAny(waiting, Task.Delay(due, stop.Token)).ConfigureAwait(false) != waiting)
                    {
                        continue;
                    }

                    if (!waiting.IsCompleted)
                    {
                        progressRequested = true;
                        await SendAsync(call, new V3.WatchRequest { ProgressRequest = new WatchProgressRequest() }, request, stop.Token).ConfigureAwait(false);
                        continue;
                    }
                }

                var response = (await ReceiveAsync(inbox, request, next, returnNullIfRefused: false, stop.Token, cancellationToken).ConfigureAwait(false))!;
                waiting = null;
                if (response.Events.Count > 0)
                {
                    foreach (var delivery in PerRevision(response, request.PrevKv))
                    {
                        yield return delivery;
                        next = delivery.Revision + 1;
                    }

                    lastDelivery = clock.Elapsed;
                    asked = null;
                    continue;
                }

                if (!progressRequested || response.Created)
                {
                    continue;
                }

                if (asked is null)
                {
                    asked = response.Header.Revision;
                    await SendAsync(call, new V3.WatchRequest { ProgressRequest = new WatchProgressRequest() }, request, stop.Token).ConfigureAwait(false);
                    continue;
                }

                var reached = Math.Max(asked.Value, next - 1);
                (asked, progressRequested) = (null, false);
                lastDelivery = clock.Elapsed;
                next = reached + 1;
                yield return new Core.WatchResponse(reached, []);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // The next message of the stream; a canceled watch becomes the error it stands for, or null when etcd refused it
    // for want of permission and the caller asked to be told (to try again with a new token).
    private async Task<V3.WatchResponse?> ReceiveAsync(ChannelReader<V3.WatchResponse> inbox, Core.WatchRequest request, long position, bool returnNullIfRefused, CancellationToken stop, CancellationToken caller)
    {
        V3.WatchResponse response;
        try
        {
            response = await inbox.ReadAsync(stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or RpcException)
        {
            caller.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            if ((ex as RpcException ?? ex.InnerException as RpcException) is { } rpc)
            {
                throw await TranslateAsync(rpc, new RequestFacts(Revision: position), caller).ConfigureAwait(false);
            }

            throw new UnavailableException("The watch stream to etcd ended.", ex);
        }

        if (!response.Canceled)
        {
            return response;
        }

        if (response.CompactRevision > 0)
        {
            throw new CompactedException(position, NoteCompactRevision(response.CompactRevision));
        }

        if (returnNullIfRefused && EtcdErrors.IsWatchRefused(response.CancelReason))
        {
            return null;
        }

        throw new InvalidArgumentException($"etcd canceled the watch of {request.Range}: {response.CancelReason}");
    }

    private async Task SendAsync(AsyncDuplexStreamingCall<V3.WatchRequest, V3.WatchResponse> call, V3.WatchRequest message, Core.WatchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw await TranslateAsync(ex, new RequestFacts(Revision: request.StartRevision), cancellationToken).ConfigureAwait(false);
        }
    }

    // One response per revision, in order; etcd never splits one revision across messages (without fragmenting).
    private IEnumerable<Core.WatchResponse> PerRevision(V3.WatchResponse response, bool prevKv)
    {
        var events = new List<Core.WatchEvent>();
        var revision = response.Events[0].Kv.ModRevision;
        foreach (var change in response.Events)
        {
            if (change.Kv.ModRevision != revision)
            {
                yield return new Core.WatchResponse(revision, events);
                events = [];
                revision = change.Kv.ModRevision;
            }

            var type = change.Type == Mvccpb.Event.Types.EventType.Put ? WatchEventType.Put : WatchEventType.Delete;
            events.Add(new Core.WatchEvent(type, FromEtcd(change.Kv)!, prevKv ? FromEtcd(change.PrevKv) : null));
        }

        yield return new Core.WatchResponse(revision, events);
    }

    // One etcd watch stream: the call, and a pump that reads its responses into a small bounded queue (a consumer that
    // does not read holds up only its own stream, and etcd then lets the watcher fall behind and catch up from history,
    // as the contract wants). Disposing stops the pump and ends the call.
    private sealed class WatchStream : IAsyncDisposable
    {
        private readonly Channel<V3.WatchResponse> _inbox = Channel.CreateBounded<V3.WatchResponse>(new BoundedChannelOptions(64) { SingleWriter = true });
        private readonly CancellationTokenSource _stop;
        private readonly Task _pump;

        public WatchStream(AsyncDuplexStreamingCall<V3.WatchRequest, V3.WatchResponse> call, CancellationToken stop)
        {
            Call = call;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _pump = PumpAsync(_stop.Token);
        }

        public AsyncDuplexStreamingCall<V3.WatchRequest, V3.WatchResponse> Call { get; }

        public ChannelReader<V3.WatchResponse> Inbox => _inbox.Reader;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _pump.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
                // The stream ended because this watch did.
            }

            Call.Dispose();
            _stop.Dispose();
        }

        private async Task PumpAsync(CancellationToken cancellationToken)
        {
            await Task.Yield(); // the constructor returns before the first read
            try
            {
                while (await Call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    await _inbox.Writer.WriteAsync(Call.ResponseStream.Current, cancellationToken).ConfigureAwait(false);
                }

                _inbox.Writer.TryComplete(new RpcException(new Status(StatusCode.Unavailable, "etcd closed the watch stream.")));
            }
            catch (Exception ex)
            {
                _inbox.Writer.TryComplete(ex);
            }
        }
    }
}

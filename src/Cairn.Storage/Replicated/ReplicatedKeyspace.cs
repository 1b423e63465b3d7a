using System.Security.Cryptography;
using System.Threading.Channels;
using Cairn.Core;
using Cairn.Storage.Watching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Replicated;

/// <summary>
/// A keyspace node over a shared, totally ordered <see cref="IKeyspaceLog"/>: the whole state (keys, their history
/// since the compaction point, leases) is held in memory, built from the log's latest snapshot and the entries after
/// it, as ZooKeeper holds its tree. Any number of nodes on one log form a cluster: any node serves any request, and
/// every node sees every write.
/// </summary>
/// <remarks>
/// <para>Writes: one sequencer per node takes the requests waiting, evaluates them one after another against its state
/// at applied index <c>i</c> (each seeing the effects of the ones before), and appends what they did (revisions with
/// their key-values, lease deadlines, compaction: results, not requests) as one entry at <c>i + 1</c>. If another
/// node appended first, it catches up and evaluates the same requests again; a request is answered only once the log
/// confirms the state it was evaluated on was the latest (its entry appended, or, when the batch wrote nothing, the
/// log's last index found unchanged). Applying an entry decides nothing, so every node reaches the same state.</para>
/// <para>Reads are linearizable: the log's last index is read, the node waits until it has applied it, then answers
/// from memory without locks, at the revision it pins (<see cref="KeyspaceState"/>).</para>
/// <para>Leases expire by the clock of the node that evaluates: a grant or keep-alive writes a wall-clock deadline
/// into the log, every node's sweeper proposes the expiry of leases past it, and the proposal is evaluated like any
/// write (nothing happens if the lease was renewed or revoked meanwhile). Clocks of the nodes should agree to well
/// within a TTL.</para>
/// <para>Concurrency: every member may be called concurrently.</para>
/// </remarks>
public sealed partial class ReplicatedKeyspace : IKeyspace
{
    // Posted into the request channel to make the sequencer read the log (a hint, a reader waiting, the periodic timer).
    private static readonly WriteRequest Wake = new(WriteKind.Put);

    private readonly IKeyspaceLog _log;
    private readonly ReplicatedKeyspaceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<WriteRequest> _requests = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _nodeId = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
    private KeyspaceState _state = KeyspaceState.Empty();
    private WatchHub _hub = null!;
    private Task _sequencer = Task.CompletedTask;
    private ITimer? _catchUpTimer;
    private ITimer? _sweepTimer;
    private int _disposed;

    private ReplicatedKeyspace(IKeyspaceLog log, ReplicatedKeyspaceOptions options)
    {
        _log = log;
        _options = options;
        _time = options.Time;
        _logger = options.Logger ?? NullLogger.Instance;
    }

    /// <summary>The node's state as readers see it now.</summary>
    private KeyspaceState State => Volatile.Read(ref _state);

    /// <summary>
    /// Opens a node on <paramref name="log"/>: restores the latest snapshot (if any), applies the entries after it, and
    /// starts the sequencer and the lease sweeper. The node owns the log from here on, and disposes it (also when the
    /// opening fails).
    /// </summary>
    /// <exception cref="UnavailableException">The log cannot be read.</exception>
    /// <exception cref="CorruptException">The log holds what this node cannot read (a newer format, or damage).</exception>
    public static async Task<ReplicatedKeyspace> OpenAsync(IKeyspaceLog log, ReplicatedKeyspaceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = new ReplicatedKeyspace(log, options);
        try
        {
            log.Grown = store.PostWake;
            if (await log.ReadSnapshotAsync(cancellationToken).ConfigureAwait(false) is { } snapshot)
            {
                store._state = KeyspaceState.ReadSnapshot(snapshot.Data.Span, snapshot.Index);
            }

            store._hub = new WatchHub(new History(store), store._state.Revision, new WatchHubOptions
            {
                CapacityEvents = options.WatchCacheEvents,
                DefaultProgressInterval = options.DefaultProgressInterval,
                Time = options.Time,
            });
            await store.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            store._stopping.Dispose();
            throw;
        }

        LogOpened(store._logger, store._nodeId, store._state.AppliedIndex, store._state.Revision);
        store._sequencer = Task.Run(store.RunSequencerAsync, CancellationToken.None);
        store._catchUpTimer = options.Time.CreateTimer(static s => ((ReplicatedKeyspace)s!).PostWake(), store, options.CatchUpInterval, options.CatchUpInterval);
        store._sweepTimer = options.Time.CreateTimer(static s => ((ReplicatedKeyspace)s!).SweepLeases(), store, options.LeaseSweepInterval, options.LeaseSweepInterval);
        return store;
    }

    /// <inheritdoc />
    public async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _options.Limits.Check(request);
        cancellationToken.ThrowIfCancellationRequested();
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var state = State;
            var revision = state.Revision;
            var at = Revisions.Resolve(request.Revision, revision, state.CompactRevision);
            var result = RangeReader.Range(state.Keys, revision, null, request, at, revision);

            // A compaction applied while reading may have cut versions the read needed; read again (an explicit
            // revision now below the point fails as it should).
            Interlocked.MemoryBarrier();
            if (state.CompactRevision <= at)
            {
                return result;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Keys.Validate(request.Key);
        _options.Limits.Check(request);
        return await SubmitAsync<PutResult>(new WriteRequest(WriteKind.Put, request), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _options.Limits.Check(request);
        return await SubmitAsync<DeleteResult>(new WriteRequest(WriteKind.Delete, request), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        TxnValidation.Validate(request);
        _options.Limits.Check(request);
        if (!request.IsReadOnly)
        {
            return await SubmitAsync<TxnResult>(new WriteRequest(WriteKind.Txn, request), cancellationToken).ConfigureAwait(false);
        }

        // Both branches only read: evaluated at one pinned revision, without queueing behind writers.
        cancellationToken.ThrowIfCancellationRequested();
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var state = State;
            var evaluation = new Evaluation(state, state.Revision, state.CompactRevision, _time.GetUtcNow().UtcTicks, writable: false);
            var result = evaluation.Txn(request);
            Interlocked.MemoryBarrier();
            if (state.CompactRevision <= evaluation.LowestRevisionRead)
            {
                return result;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        if (revision <= 0)
        {
            throw new InvalidArgumentException($"Compaction revision must be positive; got {revision}.");
        }

        return await SubmitAsync<CompactResult>(new WriteRequest(WriteKind.Compact, number: revision), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>The size is what the node holds in memory (keys, values and history), roughly.</remarks>
    public async ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        var state = State;
        return new StoreStatus(state.Revision, state.CompactRevision, state.LiveKeys, state.Bytes, _options.BackendName);
    }

    /// <summary>Stops the sequencer and the sweeper, answers the requests still waiting with
    /// <see cref="UnavailableException"/> (the store is closed, as on the other backends), ends every watch, and disposes
    /// the log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_catchUpTimer is not null)
        {
            await _catchUpTimer.DisposeAsync().ConfigureAwait(false);
        }

        _hub.Close();
        _requests.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sequencer.ConfigureAwait(false);
        while (_requests.Reader.TryRead(out var request))
        {
            if (!ReferenceEquals(request, Wake))
            {
                request.Fail(Disposed());
            }
        }

        SignalProgress(Disposed());
        await _snapshotting.ConfigureAwait(false);
        await _log.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async ValueTask<T> SubmitAsync<T>(WriteRequest request, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        cancellationToken.ThrowIfCancellationRequested();
        if (!_requests.Writer.TryWrite(request))
        {
            ThrowIfUnusable();
            throw Disposed();
        }

        // Once queued the request is evaluated and answered as a whole; a cancelled caller just stops waiting for it.
        return (T)await request.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfUnusable()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw Disposed();
        }

        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw new CorruptException(fault.Message);
        }
    }

    // As the other backends: a closed store is unavailable (the journal then falls back to its secondary).
    private static UnavailableException Disposed() => new("The store is closed.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Replicated keyspace node {NodeId:x16} open at log index {Index}, revision {Revision}")]
    private static partial void LogOpened(ILogger logger, long nodeId, long index, long revision);
}

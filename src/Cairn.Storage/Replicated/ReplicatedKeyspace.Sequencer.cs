using Cairn.Core;
using Cairn.Storage.Watching;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Replicated;

public sealed partial class ReplicatedKeyspace
{
    // Entries read from the log at a time while catching up.
    private const int ReadBatch = 1024;

    // How long before a node retries reading entries the log said it had but did not yet return.
    private static readonly TimeSpan CatchUpRetry = TimeSpan.FromMilliseconds(10);

    // Completed (with null) each time the applied index moves, or with the error of a catch-up that failed, for the
    // readers waiting to reach an index.
    private TaskCompletionSource<Exception?> _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _snapshotting = Task.CompletedTask;
    private PendingSnapshot? _pendingSnapshot;
    private int _snapshotWriterRunning;
    private CorruptException? _fault;
    private long _sequence;
    private long _wantedIndex;
    private int _wakePosted;

    /// <summary>Makes the sequencer read the log soon (at most one wake waits in the channel).</summary>
    private void PostWake()
    {
        if (Interlocked.Exchange(ref _wakePosted, 1) == 0 && !_requests.Writer.TryWrite(Wake))
        {
            Volatile.Write(ref _wakePosted, 0);
        }
    }

    // Waits until the node has applied every entry appended before the call: a linearizable read point.
    private ValueTask BarrierAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var last = _log.LastIndexAsync(cancellationToken);
        if (last.IsCompletedSuccessfully)
        {
            var index = last.Result;
            return State.AppliedIndex >= index ? ValueTask.CompletedTask : WaitAppliedAsync(index, cancellationToken);
        }

        return AwaitBarrierAsync(last, cancellationToken);
    }

    private async ValueTask AwaitBarrierAsync(ValueTask<long> last, CancellationToken cancellationToken)
    {
        var index = await last.ConfigureAwait(false);
        if (State.AppliedIndex < index)
        {
            await WaitAppliedAsync(index, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WaitAppliedAsync(long index, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the check: progress made after the check completes this one.
            var progress = Volatile.Read(ref _progress);
            if (State.AppliedIndex >= index)
            {
                return;
            }

            ThrowIfUnusable();
            var wanted = Volatile.Read(ref _wantedIndex);
            while (wanted < index && Interlocked.CompareExchange(ref _wantedIndex, index, wanted) != wanted)
            {
                wanted = Volatile.Read(ref _wantedIndex);
            }

            PostWake();
            if (await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false) is { } error)
            {
                ThrowIfUnusable();
                throw error is ObjectDisposedException
                    ? Disposed()
                    : new UnavailableException($"The node cannot catch up with the log: {error.Message}", error);
            }
        }
    }

    private void SignalProgress(Exception? error = null) =>
        Interlocked.Exchange(ref _progress, new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(error);

    private async Task RunSequencerAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<WriteRequest>(_options.MaxBatch);
        var stopping = _stopping.Token;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                var catchUp = false;
                long bytes = 0;
                while (batch.Count < _options.MaxBatch && bytes < _options.MaxBatchBytes && reader.TryRead(out var request))
                {
                    if (ReferenceEquals(request, Wake))
                    {
                        Volatile.Write(ref _wakePosted, 0);
                        catchUp = true;
                    }
                    else
                    {
                        batch.Add(request);
                        bytes += request.PayloadBytes;
                    }
                }

                if ((catchUp || Volatile.Read(ref _wantedIndex) > State.AppliedIndex) && _fault is null)
                {
                    await CatchUpForReadersAsync(stopping).ConfigureAwait(false);
                }

                if (batch.Count > 0)
                {
                    await ProcessAsync(batch, stopping).ConfigureAwait(false);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            foreach (var request in batch)
            {
                request.Fail(Disposed());
            }
        }
        catch (Exception ex)
        {
            // A bug: without a sequencer no write would ever be answered again. Answer every one waiting, refuse the rest.
            LogSequencerFailed(_logger, ex);
            var fault = new CorruptException($"The node's sequencer failed: {ex.Message}");
            Interlocked.CompareExchange(ref _fault, fault, null);
            _requests.Writer.TryComplete();
            Fail(batch, fault);
            while (reader.TryRead(out var request))
            {
                if (!ReferenceEquals(request, Wake))
                {
                    request.Fail(fault);
                }
            }

            SignalProgress(fault);
        }
    }

    private async Task CatchUpForReadersAsync(CancellationToken stopping)
    {
        try
        {
            await CatchUpAsync(stopping).ConfigureAwait(false);
            if (Volatile.Read(ref _wantedIndex) > State.AppliedIndex)
            {
                // The log named an index it did not return yet: look again shortly, not in a tight loop.
                _ = Task.Delay(CatchUpRetry, _time, stopping).ContinueWith(static (_, s) => ((ReplicatedKeyspace)s!).PostWake(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogCatchUpFailed(_logger, ex);
            SignalProgress(ex);
        }
    }

    // Evaluates the batch on the current state and makes the log confirm it; evaluates again after every entry another
    // node appended first. Answers every request of the batch, one way or another.
    private async Task ProcessAsync(List<WriteRequest> batch, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _fault) is { } fault)
                {
                    throw fault;
                }

                var state = State;
                var evaluation = new Evaluation(state, state.Revision, state.CompactRevision, _time.GetUtcNow().UtcTicks, writable: true);
                foreach (var request in batch)
                {
                    evaluation.Run(request);
                }

                if (evaluation.Effects.Count == 0)
                {
                    if (batch.TrueForAll(static request => request.IsInternal))
                    {
                        // The sweeper's expiries found nothing to do; nobody waits for a confirmation.
                        Complete(batch);
                        return;
                    }

                    // Nothing to append, but the answers (a delete of nothing, a failed compare, an error) hold only if
                    // the state they were read from is the latest: the log must not have moved past it.
                    var last = await _log.LastIndexAsync(stopping).ConfigureAwait(false);
                    if (last == state.AppliedIndex)
                    {
                        Complete(batch);
                        return;
                    }

                    if (last < state.AppliedIndex)
                    {
                        throw new UnavailableException($"The log's last index {last} is below the entry {state.AppliedIndex} this node applied; the log lost entries.");
                    }
                }
                else
                {
                    var index = state.AppliedIndex + 1;
                    var entry = new LogEntry(_nodeId, ++_sequence, evaluation.Effects).Encode();
                    if (await _log.TryAppendAsync(state.AppliedIndex, entry, stopping).ConfigureAwait(false))
                    {
                        var events = new List<RevisionEvent>();
                        Apply(state, evaluation.Effects, index, events);
                        Complete(batch);
                        Publish(events, state.Revision);
                        SignalProgress();
                        if (index % _options.SnapshotEvery == 0)
                        {
                            StartSnapshot(state, index);
                        }

                        return;
                    }
                }

                // Another node appended first: apply what it did and evaluate the same requests again.
                await CatchUpAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Fail(batch, Disposed());
            throw;
        }
        catch (Exception ex)
        {
            var error = ex as CairnException ?? new UnavailableException($"The log failed: {ex.Message}", ex);
            LogBatchFailed(_logger, batch.Count, error);
            Fail(batch, error);
        }
    }

    private static void Complete(List<WriteRequest> batch)
    {
        foreach (var request in batch)
        {
            request.Complete();
        }
    }

    private static void Fail(List<WriteRequest> batch, Exception error)
    {
        foreach (var request in batch)
        {
            request.Fail(error);
        }
    }

    // Reads and applies every entry after the applied index; reloads the snapshot when the log dropped entries the
    // node has not applied yet.
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = State;
            IReadOnlyList<LogRecord> records;
            try
            {
                records = await _log.ReadAsync(state.AppliedIndex, ReadBatch, cancellationToken).ConfigureAwait(false);
            }
            catch (LogTruncatedException truncated)
            {
                await RestoreAsync(truncated, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (records.Count == 0)
            {
                return;
            }

            var events = new List<RevisionEvent>();
            foreach (var record in records)
            {
                LogEntry entry;
                try
                {
                    entry = LogEntry.Decode(record.Entry.Span);
                }
                catch (CorruptException ex)
                {
                    throw Faulted(new CorruptException($"Log entry {record.Index}: {ex.Message}"), ex);
                }

                Apply(state, entry.Effects, record.Index, events);
            }

            Publish(events, state.Revision);
            SignalProgress();
            if (records.Count < ReadBatch)
            {
                return;
            }
        }
    }

    // The node lagged behind a truncation: the entries it needs are gone, the snapshot holds their result. What it
    // skips cannot be published to its watchers; the hub sends those watchers to history instead (the snapshot holds
    // every revision since its compaction point), which fails a watcher with CompactedException only if revisions it
    // needs were compacted away meanwhile.
    private async Task RestoreAsync(LogTruncatedException truncated, CancellationToken cancellationToken)
    {
        var applied = State.AppliedIndex;
        var snapshot = await _log.ReadSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot is null || snapshot.Index < truncated.FirstIndex - 1 || snapshot.Index <= applied)
        {
            throw new UnavailableException($"The log dropped the entries before index {truncated.FirstIndex} but holds no snapshot that covers them (latest: {snapshot?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}); this node, at entry {applied}, cannot catch up.", truncated);
        }

        KeyspaceState restored;
        try
        {
            restored = KeyspaceState.ReadSnapshot(snapshot.Data.Span, snapshot.Index);
        }
        catch (CorruptException ex)
        {
            throw Faulted(ex, ex);
        }

        Volatile.Write(ref _state, restored);
        _hub.Resync(restored.Revision);
        LogRestored(_logger, applied, snapshot.Index, restored.Revision);
        SignalProgress();
    }

    private void Apply(KeyspaceState state, IReadOnlyList<Effect> effects, long index, List<RevisionEvent> events)
    {
        try
        {
            state.Apply(effects, index, events);
        }
        catch (Exception ex)
        {
            throw Faulted(ex as CorruptException ?? new CorruptException($"Log entry {index} could not be applied: {ex.Message}"), ex);
        }
    }

    // The node's state cannot be trusted any more: it serves nothing until it is opened again.
    private CorruptException Faulted(CorruptException fault, Exception cause)
    {
        if (Interlocked.CompareExchange(ref _fault, fault, null) is null)
        {
            LogFaulted(_logger, cause);
        }

        return fault;
    }

    private void Publish(List<RevisionEvent> events, long revision)
    {
        if (events.Count > 0 || revision > _hub.Revision)
        {
            _hub.Publish(events, revision);
        }
    }

    // The state after entry `index`, encoded now (the sequencer changes nothing meanwhile) and written in the
    // background; then the entries the previous snapshot covered go. One snapshot interval of entries stays in the log,
    // so a node that is a little behind when the snapshot lands catches up from entries instead of reloading the whole
    // state. A snapshot due while the previous one is still being written replaces any other waiting: the newest is
    // written next, none is lost.
    private void StartSnapshot(KeyspaceState state, long index)
    {
        Volatile.Write(ref _pendingSnapshot, new PendingSnapshot(index, state.WriteSnapshot()));
        if (Interlocked.CompareExchange(ref _snapshotWriterRunning, 1, 0) == 0)
        {
            _snapshotting = Task.Run(WriteSnapshotsAsync, CancellationToken.None);
        }
    }

    private async Task WriteSnapshotsAsync()
    {
        var stopping = _stopping.Token;
        while (true)
        {
            while (Interlocked.Exchange(ref _pendingSnapshot, null) is { } snapshot)
            {
                try
                {
                    await _log.WriteSnapshotAsync(snapshot.Index, snapshot.Data, stopping).ConfigureAwait(false);
                    var truncateThrough = snapshot.Index - _options.SnapshotEvery;
                    if (truncateThrough > 0)
                    {
                        await _log.TruncateAsync(truncateThrough, stopping).ConfigureAwait(false);
                    }

                    LogSnapshotWritten(_logger, snapshot.Index, snapshot.Data.Length, truncateThrough);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The log keeps its entries; the next snapshot tries again.
                    LogSnapshotFailed(_logger, snapshot.Index, ex);
                }
            }

            // Stop, unless a snapshot arrived between the last look and now and its sequencer saw this writer running.
            Volatile.Write(ref _snapshotWriterRunning, 0);
            if (Volatile.Read(ref _pendingSnapshot) is null || Interlocked.CompareExchange(ref _snapshotWriterRunning, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private sealed record PendingSnapshot(long Index, byte[] Data);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} writes failed")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the log failed; readers waiting for it were answered with the error")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The node's state no longer follows the log; it serves nothing until it is opened again")]
    private static partial void LogFaulted(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The sequencer failed; the node serves nothing until it is opened again")]
    private static partial void LogSequencerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The node at log index {Applied} lagged behind a truncation; restored the snapshot at index {Index} (revision {Revision})")]
    private static partial void LogRestored(ILogger logger, long applied, long index, long revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote the snapshot at log index {Index} ({Bytes} bytes); truncated the log through index {Through}")]
    private static partial void LogSnapshotWritten(ILogger logger, long index, int bytes, long through);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the snapshot at log index {Index} failed; the log keeps its entries")]
    private static partial void LogSnapshotFailed(ILogger logger, long index, Exception exception);
}

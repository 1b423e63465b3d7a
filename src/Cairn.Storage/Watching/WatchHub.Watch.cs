using System.Buffers;
using System.Runtime.CompilerServices;
using Cairn.Core;

namespace Cairn.Storage.Watching;

public sealed partial class WatchHub
{
    // Most revisions one step of a watch delivers before it looks again; bounds the work done per step.
    internal const int StepRevisions = 1024;

    private enum WaitOutcome
    {
        /// <summary>Look again: there is something to read, or the watch is cancelled, or the hub closed.</summary>
        Again,

        /// <summary>Registered in the index; await the signal.</summary>
        Waiting,

        /// <summary>A publish woke the watcher; the revisions before the wake revision hold nothing for it.</summary>
        Woken,

        /// <summary>Nothing woke the watcher: the revisions up to the one reached hold nothing for it.</summary>
        Advanced,

        /// <summary>As <see cref="Advanced"/>, and a progress notification is due.</summary>
        Progress,
    }

    /// <summary>
    /// Streams the changes in <see cref="WatchRequest.Range"/> from <see cref="WatchRequest.StartRevision"/> on, as
    /// <see cref="IKeyspace.WatchAsync"/> promises: in revision order, none missing, none repeated, the events of one
    /// revision in one response, progress notifications when there is nothing to deliver, and
    /// <see cref="CompactedException"/> when history the watch needs is gone. Nothing happens before the first read.
    /// </summary>
    /// <exception cref="InvalidArgumentException">A negative start revision or progress interval.</exception>
    /// <exception cref="CompactedException">The start revision, or the position of a watcher that fell behind, is
    /// below the compaction point.</exception>
    /// <exception cref="UnavailableException">The hub was closed.</exception>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfClosed();
        if (request.StartRevision < 0)
        {
            throw new InvalidArgumentException($"A watch's start revision must not be negative; got {request.StartRevision}.");
        }

        var progressEvery = request.ProgressInterval ?? _defaultProgressInterval;
        if (progressEvery < TimeSpan.Zero)
        {
            throw new InvalidArgumentException("A watch's progress interval must not be negative.");
        }

        var next = request.StartRevision == 0 ? Revision + 1 : request.StartRevision;
        var compact = _history.CompactRevision;
        if (next < compact)
        {
            throw new CompactedException(next, compact);
        }

        using var watcher = new Watcher(request.Range, _gate, _time, progressEvery);
        using var interrupt = cancellationToken.UnsafeRegister(static state => ((Watcher)state!).Interrupt(), watcher);
        var responses = new List<WatchResponse>();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ThrowIfClosed();
                if (next <= Revision)
                {
                    responses.Clear();
                    if (!TryReadRecent(watcher.Range, next, request.PrevKv, responses, out var through, out var committed))
                    {
                        // Fell behind what memory holds: catch up from history (fails if it was compacted away).
                        through = Math.Min(committed, next + StepRevisions - 1);
                        await _history.ReadAsync(request.Range, next, through, request.PrevKv, responses, cancellationToken).ConfigureAwait(false);
                    }

                    foreach (var response in responses)
                    {
                        yield return response;
                    }

                    if (responses.Count > 0)
                    {
                        watcher.Delivered();
                    }

                    next = through + 1;
                    continue;
                }

                var outcome = BeginWait(watcher, next, cancellationToken, out var signal, out var reached);
                if (outcome == WaitOutcome.Waiting)
                {
                    await signal!.ConfigureAwait(false);
                    outcome = EndWait(watcher, next, cancellationToken, out reached);
                }

                switch (outcome)
                {
                    case WaitOutcome.Woken:
                        next = Math.Max(next, reached);
                        break;
                    case WaitOutcome.Advanced:
                        next = reached + 1;
                        break;
                    case WaitOutcome.Progress:
                        next = reached + 1;
                        watcher.Delivered();
                        yield return new WatchResponse(reached, []);
                        break;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _waiting.Remove(watcher);
                watcher.Signal = null;
            }
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed))
        {
            throw new UnavailableException("The store is closed.");
        }
    }

    // The next step (at most StepRevisions revisions with events) from memory: references to the revisions are taken
    // under the lock, their events filtered outside it. False when memory no longer holds `next`.
    private bool TryReadRecent(KeyRange range, long next, bool prevKv, List<WatchResponse> into, out long through, out long committed)
    {
        RevisionGroup[] groups;
        int count;
        lock (_gate)
        {
            committed = _revision;
            through = next - 1;
            if (next <= _window.Floor)
            {
                return false;
            }

            var first = _window.IndexOf(next);
            var available = _window.Count - first;
            count = Math.Min(available, StepRevisions);
            if (count == 0)
            {
                through = committed;
                return true;
            }

            groups = ArrayPool<RevisionGroup>.Shared.Rent(count);
            _window.CopyTo(first, groups, count);

            // Revisions after the last group taken and up to the committed one hold no events at all.
            through = count < available ? groups[count - 1].Revision : committed;
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                Select(groups[i], range, prevKv, into);
            }
        }
        finally
        {
            Array.Clear(groups, 0, count);
            ArrayPool<RevisionGroup>.Shared.Return(groups);
        }

        return true;
    }

    // The events of one revision that lie in the range, as one response; nothing if none does.
    private static void Select(RevisionGroup group, KeyRange range, bool prevKv, List<WatchResponse> into)
    {
        var events = group.Events;
        var matching = 0;
        foreach (var change in events)
        {
            if (range.Contains(change.KeyUtf8))
            {
                matching++;
            }
        }

        if (matching == 0)
        {
            return;
        }

        var selected = new WatchEvent[matching];
        var n = 0;
        foreach (var change in events)
        {
            if (range.Contains(change.KeyUtf8))
            {
                selected[n++] = prevKv ? change.WithPrevKv : change.WithoutPrevKv;
            }
        }

        into.Add(new WatchResponse(group.Revision, selected));
    }

    // A watcher that has caught up with `next`: registers it in the index (or says why not).
    private WaitOutcome BeginWait(Watcher watcher, long next, CancellationToken cancellationToken, out Task? signal, out long reached)
    {
        signal = null;
        reached = 0;
        lock (_gate)
        {
            if (_closed || cancellationToken.IsCancellationRequested || _revision >= next)
            {
                return WaitOutcome.Again;
            }

            if (watcher.ProgressDue())
            {
                reached = next - 1;
                return WaitOutcome.Progress;
            }

            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            watcher.Signal = source;
            _waiting.Add(watcher);
            signal = source.Task;
            return WaitOutcome.Waiting;
        }
    }

    // After the signal: a publish took the watcher out of the index, or something else woke it and it is still there.
    private WaitOutcome EndWait(Watcher watcher, long next, CancellationToken cancellationToken, out long reached)
    {
        lock (_gate)
        {
            watcher.Signal = null;
            if (!watcher.Indexed)
            {
                reached = watcher.WakeRevision;
                return WaitOutcome.Woken;
            }

            // Still in the index, so no publish since it began waiting touched its range: everything committed up to
            // now holds nothing for it (a watch that starts in the future stays where it is).
            _waiting.Remove(watcher);
            reached = Math.Max(next - 1, _revision);
            if (_closed || cancellationToken.IsCancellationRequested)
            {
                return WaitOutcome.Again;
            }

            return watcher.ProgressDue() ? WaitOutcome.Progress : WaitOutcome.Advanced;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

// A run's changes as events: one watch of the run's prefix, so the record and the parameters come in revision order.
public sealed partial class RunStore
{
    /// <summary>The run's changes from <paramref name="fromRevision"/> (0: from now), in revision order, each with its
    /// revision, until cancelled or the run is deleted (a last <c>deleted</c> event).</summary>
    /// <remarks>A stream that ended (a dropped connection) resumes with no change lost or repeated from the last event's
    /// <see cref="RunEventDto.Revision"/> + 1. History below the store's compaction point is gone:
    /// <see cref="CompactedException"/>.</remarks>
    /// <exception cref="NotFoundException">(On the first MoveNext) no such run and <paramref name="fromRevision"/> is 0.</exception>
    public async IAsyncEnumerable<RunEventDto> WatchAsync(string id, long fromRevision = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        if (fromRevision < 0)
        {
            throw new InvalidArgumentException($"fromRevision: a revision is 0 or more; got {fromRevision}.");
        }

        var runKey = RunKeys.Run(id);
        if (fromRevision == 0)
        {
            var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(runKey)) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
            if (read.Kvs.Count == 0)
            {
                throw NoSuchRun(id);
            }

            fromRevision = read.Revision + 1;
        }

        var request = new WatchRequest(KeyRange.Prefix(RunKeys.Of(id))) { StartRevision = fromRevision, PrevKv = true };
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            // A run's delete takes its parameters with it in the same revision: that is one 'deleted', not a parameter
            // event per key.
            var runDeleted = response.Events.Any(e => e.Type == WatchEventType.Delete && e.Kv.Key == runKey);
            foreach (var change in response.Events)
            {
                if (change.Kv.Key == runKey)
                {
                    if (change.Type == WatchEventType.Delete)
                    {
                        yield return new RunEventDto { Type = RunEventTypes.Deleted, Revision = change.Kv.ModRevision, Run = id };
                        yield break;
                    }

                    yield return RunEvent(id, change);
                }
                else if (!runDeleted && RunKeys.TryParseParam(id, change.Kv.Key, out var node, out var index, out var name))
                {
                    yield return new RunEventDto
                    {
                        Type = RunEventTypes.Parameter,
                        Revision = change.Kv.ModRevision,
                        Run = id,
                        Node = node,
                        Index = index,
                        Name = name,
                        Value = change.Type == WatchEventType.Put ? Encoding.UTF8.GetString(change.Kv.Value.Span) : null,
                    };
                }
            }
        }
    }

    /// <summary>The event of a write of the run's record: its creation, a new state, or a smaller barrier.</summary>
    private static RunEventDto RunEvent(string id, WatchEvent change)
    {
        var run = RunRules.Decode(change.Kv);
        var previous = change.PrevKv is { } prevKv && change.Kv.Version > 1 ? RunRules.Decode(prevKv) : null;
        var evt = new RunEventDto { Revision = change.Kv.ModRevision, Run = id, State = run.State, Epoch = run.Epoch };
        if (change.Kv.Version == 1)
        {
            evt.Type = RunEventTypes.Created;
        }
        else if (previous is null ? run.NextState is null : previous.Epoch != run.Epoch || previous.State != run.State)
        {
            // Without the previous record (a store that did not keep it) a write that left no next state behind is a move:
            // every completion that does not move the run records the state it moves to.
            evt.Type = RunEventTypes.State;
            evt.PreviousState = previous?.State;
        }
        else
        {
            evt.Type = RunEventTypes.Barrier;
            evt.Remaining = RunRules.Remaining(run);
            var (node, index) = previous is null ? (null, null) : Completed(previous, run);
            evt.Node = node;
            evt.Index = index;
        }

        return evt;
    }

    /// <summary>The index that left the barrier between two records of one state.</summary>
    private static (string? Node, int? Index) Completed(RunDto before, RunDto after)
    {
        foreach (var (node, indexes) in before.Pending)
        {
            after.Pending.TryGetValue(node, out var still);
            foreach (var index in indexes)
            {
                if (still is null || !still.Contains(index))
                {
                    return (node, index);
                }
            }
        }

        return (null, null);
    }
}

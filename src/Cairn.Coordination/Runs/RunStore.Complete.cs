using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

// Completing a state: one compare-and-set of the run's record per attempt.
public sealed partial class RunStore
{
    /// <summary>Index <paramref name="index"/> of <paramref name="node"/> completed <paramref name="current"/>: idempotent per
    /// index and state; the last completion moves the run to <paramref name="next"/>.</summary>
    /// <remarks>The completion is one compare-and-set of the run's record: it removes the index from the barrier and,
    /// when it was the last, moves the state, counts the epoch and re-arms the barrier in the same write. A lost race
    /// re-reads the record in the same transaction and decides again, so of any number of concurrent completers exactly
    /// one sees <see cref="RunCompletionDto.Moved"/>.</remarks>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="ConflictException">The run is not in <paramref name="current"/> (the message names both states), or
    /// earlier completions of this state asked for another next state.</exception>
    /// <exception cref="InvalidTransitionException"><paramref name="current"/> → <paramref name="next"/> is not in the graph.</exception>
    public async Task<RunCompletionDto> CompleteAsync(string id, string node, int index, string current, string next, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        CoordinationNames.Check("node name", node);
        RunRules.Index(index);
        if (string.IsNullOrEmpty(current))
        {
            throw new InvalidArgumentException("current: the state completed is required.");
        }

        if (string.IsNullOrEmpty(next))
        {
            throw new InvalidArgumentException("next: the state to move to is required.");
        }

        var key = RunKeys.Run(id);
        var kv = await ReadRunAsync(id, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (kv is null)
            {
                throw NoSuchRun(id);
            }

            var run = RunRules.Decode(kv);
            var decision = Decide(run, node, index, current, next);
            if (decision is not null)
            {
                return decision;
            }

            // Decide changed the run in place: write it if nobody wrote the record since it was read; else read it again.
            var moved = run.NextState is null;
            var result = await _store.TxnAsync(
                new TxnRequest(
                    [Compare.ModRevision(key, CompareResult.Equal, kv.ModRevision)],
                    [new PutRequest(key, RunRules.Encode(run))],
                    [new RangeRequest(KeyRange.Single(key))]),
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                run.ModRevision = result.Revision;
                return new RunCompletionDto { Run = run, Moved = moved, Remaining = moved ? 0 : RunRules.Remaining(run) };
            }

            var reread = ((RangeResult)result.Results[0]).Kvs;
            kv = reread.Count == 0 ? null : reread[0];
        }
    }

    /// <summary>Decides a completion against the run as read: an answer (a retry: nothing to write), an exception, or
    /// null after changing <paramref name="run"/> into what to write (<see cref="RunDto.NextState"/> null when it moved).</summary>
    private RunCompletionDto? Decide(RunDto run, string node, int index, string current, string next)
    {
        if (!run.Topology.TryGetValue(node, out var indexes))
        {
            throw new NotFoundException($"Run '{run.Id}' has no node '{node}'.");
        }

        if (!indexes.Contains(index))
        {
            throw new NotFoundException($"Node '{node}' of run '{run.Id}' has no index {index}.");
        }

        if (run.State != current)
        {
            throw new ConflictException($"Run '{run.Id}' is in state '{run.State}', not '{current}'.");
        }

        if (RunRules.IsFinal(run.Graph, current))
        {
            throw new InvalidTransitionException(current, next, $"Run '{run.Id}' is in '{current}', a final state: it has no transition, to '{next}' or any other.");
        }

        if (!run.Graph[current].Contains(next, StringComparer.Ordinal))
        {
            throw new InvalidTransitionException(current, next,
                $"'{current}' → '{next}' is not a transition of run '{run.Id}' (from '{current}': {string.Join(", ", run.Graph[current].Select(s => $"'{s}'"))}).");
        }

        if (run.NextState is not null && run.NextState != next)
        {
            throw new ConflictException($"The completions of '{current}' in run '{run.Id}' move it to '{run.NextState}', not '{next}'.");
        }

        if (!run.Pending.TryGetValue(node, out var pending) || !pending.Remove(index))
        {
            return new RunCompletionDto { Run = run, AlreadyCompleted = true, Remaining = RunRules.Remaining(run) };
        }

        if (pending.Count == 0)
        {
            run.Pending.Remove(node);
        }

        if (run.Pending.Count > 0)
        {
            run.NextState = next;
            return null;
        }

        var final = RunRules.IsFinal(run.Graph, next);
        run.State = next;
        run.Epoch++;
        run.Pending = RunRules.Barrier(run.Topology, final);
        run.NextState = null;
        run.Final = final;
        run.StateAt = _time.GetUtcNow();
        return null;
    }
}

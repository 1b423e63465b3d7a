using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

// Parameters: a key each, written only while the run that was checked exists (compare of its create revision).
public sealed partial class RunStore
{
    /// <summary>A parameter of the run (<paramref name="node"/> and <paramref name="index"/> null) or of one index: its own
    /// value, else the node's, else the default; <see cref="RunParameterDto.Source"/> says which.</summary>
    /// <remarks>A run-level parameter has no fallback: unset, its source is <c>none</c>. The run and the parameter are
    /// read at one revision.</remarks>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    public async Task<RunParameterDto> GetParameterAsync(string id, string? node, int? index, string name, CancellationToken cancellationToken = default)
    {
        CheckParameter(id, node, index, name);
        var key = RunKeys.Param(id, node, index, name);
        var read = await _store.TxnAsync(
            new TxnRequest([], [new RangeRequest(KeyRange.Single(RunKeys.Run(id))), new RangeRequest(KeyRange.Single(key))], []),
            cancellationToken).ConfigureAwait(false);
        var runKvs = ((RangeResult)read.Results[0]).Kvs;
        var run = runKvs.Count == 0 ? throw NoSuchRun(id) : RunRules.Decode(runKvs[0]);
        CheckNodeIndex(run, node, index);
        var answer = new RunParameterDto { Run = id, Node = node, Index = index, Name = name };
        var own = ((RangeResult)read.Results[1]).Kvs;
        if (own.Count > 0)
        {
            answer.Value = Encoding.UTF8.GetString(own[0].Value.Span);
            answer.Source = "set";
            answer.ModRevision = own[0].ModRevision;
            answer.Version = own[0].Version;
        }
        else if (node is not null && run.Parameters.TryGetValue(node, out var nodeValues) && nodeValues.TryGetValue(name, out var nodeValue))
        {
            answer.Value = nodeValue;
            answer.Source = "node";
        }
        else if (node is not null && run.Defaults.TryGetValue(name, out var fallback))
        {
            answer.Value = fallback;
            answer.Source = "default";
        }

        return answer;
    }

    /// <summary>Sets a parameter, if <paramref name="ifModRevision"/> (when given) matches.</summary>
    /// <remarks>One transaction: the write happens only if the run read is still there (not deleted, nor deleted and
    /// created again with another topology) and, when given, the parameter's mod revision is
    /// <paramref name="ifModRevision"/> (0: never set).</remarks>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="PreconditionFailedException"><paramref name="ifModRevision"/> does not match.</exception>
    /// <exception cref="LimitExceededException">The value is over <see cref="RunOptions.MaxParameterBytes"/> (413).</exception>
    public async Task<RunParameterDto> SetParameterAsync(string id, string? node, int? index, string name, string value, long? ifModRevision = null, CancellationToken cancellationToken = default)
    {
        CheckParameter(id, node, index, name);
        ArgumentNullException.ThrowIfNull(value);
        RunRules.Value(value, _options.MaxParameterBytes);
        if (ifModRevision < 0)
        {
            throw new InvalidArgumentException($"ifModRevision: a mod revision is 0 or more; got {ifModRevision}.");
        }

        var runKey = RunKeys.Run(id);
        var key = RunKeys.Param(id, node, index, name);
        var bytes = Encoding.UTF8.GetBytes(value);
        var kv = await ReadRunAsync(id, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var run = kv is null ? throw NoSuchRun(id) : RunRules.Decode(kv);
            CheckNodeIndex(run, node, index);
            List<Compare> compares = [Compare.CreateRevision(runKey, CompareResult.Equal, kv.CreateRevision)];
            if (ifModRevision is { } expected)
            {
                compares.Add(Compare.ModRevision(key, CompareResult.Equal, expected));
            }

            var result = await _store.TxnAsync(
                new TxnRequest(
                    compares,
                    [new PutRequest(key, bytes), new RangeRequest(KeyRange.Single(key)) { KeysOnly = true }],
                    [new RangeRequest(KeyRange.Single(runKey)), new RangeRequest(KeyRange.Single(key)) { KeysOnly = true }]),
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                var written = ((RangeResult)result.Results[1]).Kvs;
                return new RunParameterDto
                {
                    Run = id,
                    Node = node,
                    Index = index,
                    Name = name,
                    Value = value,
                    Source = "set",
                    ModRevision = result.Revision,
                    Version = written.Count > 0 ? written[0].Version : 1,
                };
            }

            var runNow = ((RangeResult)result.Results[0]).Kvs;
            var paramNow = ((RangeResult)result.Results[1]).Kvs;
            if (runNow.Count > 0 && runNow[0].CreateRevision == kv.CreateRevision)
            {
                // The run is the one checked: the parameter's revision was the compare that failed.
                var actual = paramNow.Count == 0 ? 0 : paramNow[0].ModRevision;
                var what = node is null ? $"Parameter '{name}' of run '{id}'" : $"Parameter '{name}' of {node} {index} of run '{id}'";
                throw new PreconditionFailedException(key, actual, actual == 0
                    ? $"{what} was never set, so it is not at revision {ifModRevision}."
                    : $"{what} is at revision {actual}, not {ifModRevision}.");
            }

            kv = runNow.Count == 0 ? null : runNow[0]; // deleted, or created anew: check against that one
        }
    }

    /// <summary>Every parameter set on the run (run-level and per index), in key order.</summary>
    /// <exception cref="NotFoundException">No such run.</exception>
    public async Task<IReadOnlyList<RunParameterDto>> ListParametersAsync(string id, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        var read = await _store.TxnAsync(
            new TxnRequest([], [new RangeRequest(KeyRange.Single(RunKeys.Run(id))) { KeysOnly = true }, new RangeRequest(KeyRange.Prefix(RunKeys.Params(id)))], []),
            cancellationToken).ConfigureAwait(false);
        if (((RangeResult)read.Results[0]).Kvs.Count == 0)
        {
            throw NoSuchRun(id);
        }

        var list = new List<RunParameterDto>();
        foreach (var kv in ((RangeResult)read.Results[1]).Kvs)
        {
            if (RunKeys.TryParseParam(id, kv.Key, out var node, out var index, out var name))
            {
                list.Add(new RunParameterDto
                {
                    Run = id,
                    Node = node,
                    Index = index,
                    Name = name,
                    Value = Encoding.UTF8.GetString(kv.Value.Span),
                    Source = "set",
                    ModRevision = kv.ModRevision,
                    Version = kv.Version,
                });
            }
        }

        return list;
    }

    private static void CheckParameter(string id, string? node, int? index, string name)
    {
        CoordinationNames.Check("run id", id);
        CoordinationNames.Check("parameter name", name);
        if (node is null != index is null)
        {
            throw new InvalidArgumentException("A node parameter needs both the node and the index; a run parameter neither.");
        }

        if (node is not null)
        {
            CoordinationNames.Check("node name", node);
            RunRules.Index(index!.Value);
        }
    }

    private static void CheckNodeIndex(RunDto run, string? node, int? index)
    {
        if (node is null)
        {
            return;
        }

        if (!run.Topology.TryGetValue(node, out var indexes))
        {
            throw new NotFoundException($"Run '{run.Id}' has no node '{node}'.");
        }

        if (!indexes.Contains(index!.Value))
        {
            throw new NotFoundException($"Node '{node}' of run '{run.Id}' has no index {index}.");
        }
    }
}

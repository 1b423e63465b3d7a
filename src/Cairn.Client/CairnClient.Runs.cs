using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Runs over <c>/v1/runs</c>: zookeeper-exp1's run state machine (a topology, a state in a declared graph, a
/// barrier every node index completes before the run moves on), its parameters, and its change stream.</summary>
public sealed partial class CairnClient
{
    /// <summary>Creates a run (<c>POST /v1/runs</c>), once: in its initial state with the barrier armed for every index.</summary>
    /// <param name="run">The id, topology, and optionally a graph of its own, the initial state, node parameters and defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run as created.</returns>
    /// <exception cref="InvalidArgumentException">A bad id, topology (empty, a negative or repeated index), graph or
    /// initial state; the message names it. Nothing is written.</exception>
    /// <exception cref="ConflictException">A run of that id exists.</exception>
    public Task<RunDto> CreateRunAsync(CreateRunDto run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SendJsonAsync<RunDto>(new HttpRequestMessage(HttpMethod.Post, KeyUri("v1/runs")) { Content = JsonContent(run) }, cancellationToken);
    }

    /// <summary>Creates a run with the default graph (<c>init</c> → <c>provisioning</c> → …); see
    /// <see cref="CreateRunAsync(CreateRunDto, CancellationToken)"/>.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="topology">Node name → its instance indexes, e.g. <c>{"node1": [1, 2, 4], "node2": [2]}</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<RunDto> CreateRunAsync(string id, IReadOnlyDictionary<string, IReadOnlyList<int>> topology, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return CreateRunAsync(new CreateRunDto { Id = id, Topology = topology.ToDictionary(n => n.Key, n => n.Value.ToList()) }, cancellationToken);
    }

    /// <summary>A run (<c>GET /v1/runs/{id}</c>): its state, epoch, topology, graph and pending barrier. A reader sees the
    /// state before a transition or after it, never an error during one.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run, or null when there is none.</returns>
    public Task<RunDto?> GetRunAsync(string id, CancellationToken cancellationToken = default) =>
        SendJsonOrNullAsync<RunDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/runs", Name("run id", id))), cancellationToken);

    /// <summary>One page of runs in id order (<c>GET /v1/runs</c>).</summary>
    /// <param name="after">Start after this run id (the last of the previous page); null: from the first.</param>
    /// <param name="limit">At most this many; null: the server's page size.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<RunListDto> ListRunsAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (after is not null)
        {
            query.Add("after=" + Uri.EscapeDataString(after));
        }

        if (limit is { } n)
        {
            query.Add("limit=" + Num(n));
        }

        var path = query.Count == 0 ? KeyUri("v1/runs") : KeyUri("v1/runs?" + string.Join('&', query));
        return SendJsonAsync<RunListDto>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
    }

    /// <summary>Every run, following the pages (one request each).</summary>
    /// <param name="pageSize">Runs per request; null: the server's page size.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async IAsyncEnumerable<RunDto> ListAllRunsAsync(int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        while (true)
        {
            var page = await ListRunsAsync(after, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Runs)
            {
                yield return run;
            }

            if (page.Runs.Count == 0 || page.Runs[^1].Id == after || (pageSize is { } size && page.Runs.Count < size))
            {
                yield break;
            }

            after = page.Runs[^1].Id;
        }
    }

    /// <summary>
    /// Index <paramref name="index"/> of node <paramref name="node"/> has completed <paramref name="current"/>; the run
    /// moves to <paramref name="next"/> when every index has (<c>POST /v1/runs/{id}/nodes/{node}/{index}/complete</c>).
    /// The last completion moves the state and re-arms the barrier in one transaction: exactly one caller per transition
    /// sees <see cref="RunCompletionDto.Moved"/>. A repeat of a completion already counted changes nothing
    /// (<see cref="RunCompletionDto.AlreadyCompleted"/>), so a retry is safe.
    /// </summary>
    /// <param name="id">The run id.</param>
    /// <param name="node">The node.</param>
    /// <param name="index">The instance index.</param>
    /// <param name="current">The state completed.</param>
    /// <param name="next">The state to move to.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="ConflictException">The run is not in <paramref name="current"/> (the message names both states),
    /// or an earlier completion of the state asked for another next state. Nothing is written.</exception>
    /// <exception cref="InvalidTransitionException"><paramref name="current"/> → <paramref name="next"/> is not in the
    /// run's graph, or the run is in a final state.</exception>
    public Task<RunCompletionDto> CompleteRunAsync(string id, string node, int index, string current, string next, CancellationToken cancellationToken = default)
    {
        var uri = CoordinationUri("v1/runs", Name("run id", id), "nodes", Name("node", node), Num(index), "complete");
        return SendJsonAsync<RunCompletionDto>(new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(new CompleteRunDto { Current = current, Next = next }) }, cancellationToken);
    }

    /// <summary>Deletes a run with its parameters (<c>DELETE /v1/runs/{id}</c>); its streams end with a <c>deleted</c> event.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such run.</returns>
    public Task<bool> DeleteRunAsync(string id, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, CoordinationUri("v1/runs", Name("run id", id))), cancellationToken);

    /// <summary>A run-level parameter (<c>GET /v1/runs/{id}/params/{name}</c>).</summary>
    /// <param name="id">The run id.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The parameter; <see cref="RunParameterDto.Value"/> null and <see cref="RunParameterDto.Source"/>
    /// <c>none</c> when it has no value.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    public Task<RunParameterDto> GetRunParameterAsync(string id, string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<RunParameterDto>(new HttpRequestMessage(HttpMethod.Get, ParameterUri(id, null, null, name)), cancellationToken);

    /// <summary>A node index's parameter (<c>GET /v1/runs/{id}/nodes/{node}/{index}/params/{name}</c>): its own value, else
    /// its node's (given at create), else the run's default.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="node">The node.</param>
    /// <param name="index">The instance index.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    public Task<RunParameterDto> GetRunParameterAsync(string id, string node, int index, string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<RunParameterDto>(new HttpRequestMessage(HttpMethod.Get, ParameterUri(id, node, index, name)), cancellationToken);

    /// <summary>Every run-level parameter that has a value (<c>GET /v1/runs/{id}/params</c>).</summary>
    /// <param name="id">The run id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">No such run.</exception>
    public async Task<IReadOnlyList<RunParameterDto>> ListRunParametersAsync(string id, CancellationToken cancellationToken = default) =>
        await SendJsonAsync<List<RunParameterDto>>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/runs", Name("run id", id), "params")), cancellationToken).ConfigureAwait(false);

    /// <summary>Sets a run-level parameter (<c>PUT /v1/runs/{id}/params/{name}</c>), optionally only if it has not changed
    /// since it was read; every change is pushed to the run's stream.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">The new value (UTF-8 text).</param>
    /// <param name="ifModRevision">Write only if the parameter's <see cref="RunParameterDto.ModRevision"/> is this (0:
    /// only if it was never set); null: always.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The parameter as written.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="PreconditionFailedException">It changed since <paramref name="ifModRevision"/>; nothing was written.</exception>
    /// <exception cref="LimitExceededException">The value is over the server's parameter limit.</exception>
    public Task<RunParameterDto> SetRunParameterAsync(string id, string name, string value, long? ifModRevision = null, CancellationToken cancellationToken = default) =>
        SetParameterAsync(ParameterUri(id, null, null, name), value, ifModRevision, cancellationToken);

    /// <summary>Sets a node index's parameter (<c>PUT /v1/runs/{id}/nodes/{node}/{index}/params/{name}</c>); see
    /// <see cref="SetRunParameterAsync(string, string, string, long?, CancellationToken)"/>.</summary>
    /// <param name="id">The run id.</param>
    /// <param name="node">The node.</param>
    /// <param name="index">The instance index.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">The new value (UTF-8 text).</param>
    /// <param name="ifModRevision">Write only if the parameter's mod revision is this (0: never set); null: always.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="PreconditionFailedException">It changed since <paramref name="ifModRevision"/>; nothing was written.</exception>
    public Task<RunParameterDto> SetRunParameterAsync(string id, string node, int index, string name, string value, long? ifModRevision = null, CancellationToken cancellationToken = default) =>
        SetParameterAsync(ParameterUri(id, node, index, name), value, ifModRevision, cancellationToken);

    /// <summary>
    /// Follows a run (<c>GET /v1/runs/{id}/events</c>, SSE): every change from <paramref name="fromRevision"/> on —
    /// <c>created</c>, <c>state</c> (a transition), <c>barrier</c> (an index completed), <c>parameter</c> — in revision
    /// order, each with its revision, until the run is deleted (a last <c>deleted</c> event, then the sequence ends).
    /// A dropped connection is reopened where it stopped: nothing is lost or repeated. One exception: the server does not
    /// stream a run that is gone, so a run deleted while the connection was down ends the sequence with a <c>deleted</c>
    /// event of revision 0, and what happened to it between the last event delivered and its deletion is not delivered.
    /// </summary>
    /// <param name="id">The run id.</param>
    /// <param name="fromRevision">The first revision to deliver (e.g. a <see cref="RunDto.ModRevision"/> read + 1); 0:
    /// changes from now on.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <exception cref="NotFoundException">No such run (when the stream is first opened).</exception>
    /// <exception cref="CompactedException"><paramref name="fromRevision"/> is below the compaction point.</exception>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public IAsyncEnumerable<RunEventDto> WatchRunAsync(string id, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        var runId = Name("run id", id);
        var events = CoordinationUri("v1/runs", runId, "events").OriginalString;
        return ResumableStreamAsync<RunEventDto>(
            from => from > 0 ? events + "?fromRevision=" + Num(from) : events,
            fromRevision,
            e => e.Revision,
            e => e.Type == RunEventTypes.Deleted,
            () => new RunEventDto { Type = RunEventTypes.Deleted, Run = runId },
            cancellationToken);
    }

    /// <summary>Creates a run moved in from the original (<c>POST /v1/runs/import</c>), once, in the state, epoch and
    /// barrier it had there, with its run-level parameters.</summary>
    /// <param name="run">The run and its parameters.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run as created.</returns>
    /// <exception cref="ConflictException">A run of that id exists.</exception>
    /// <exception cref="InvalidArgumentException">The run is not one Cairn can hold (a bad topology, a state not in its graph).</exception>
    public Task<RunDto> ImportRunAsync(ImportRunDto run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SendJsonAsync<RunDto>(new HttpRequestMessage(HttpMethod.Post, KeyUri("v1/runs/import")) { Content = JsonContent(run) }, cancellationToken);
    }

    private Uri ParameterUri(string id, string? node, int? index, string name) =>
        node is null
            ? CoordinationUri("v1/runs", Name("run id", id), "params", Name("parameter name", name))
            : CoordinationUri("v1/runs", Name("run id", id), "nodes", Name("node", node), Num(index!.Value), "params", Name("parameter name", name));

    private Task<RunParameterDto> SetParameterAsync(Uri uri, string value, long? ifModRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = JsonContent(new SetRunParameterDto { Value = value, IfModRevision = ifModRevision }) };
        return SendJsonAsync<RunParameterDto>(request, cancellationToken);
    }
}

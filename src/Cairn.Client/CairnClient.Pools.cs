using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Pools over <c>/v1/pools</c>: zookeeper-exp1's buddy circle — members in join order, each watching its
/// predecessor and taking over a dead member's in-flight items exactly once.</summary>
public sealed partial class CairnClient
{
    /// <summary>
    /// Joins a pool (<c>POST /v1/pools/{pool}/members</c>) under <paramref name="session"/> (or a session the membership
    /// creates and ends on dispose), and follows the member's events: its buddy, the items it takes over from a dead
    /// member, and the loss of its own session (<see cref="PoolMembership.Lost"/>; a member that lost its session must
    /// join again, under a new id). When this returns, the member is being followed: a buddy that dies from now on is
    /// taken over.
    /// </summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="name">A name the member gives itself (e.g. host:port), shown in listings.</param>
    /// <param name="session">The session to join under; null: a new one of <paramref name="sessionTtlSeconds"/>.</param>
    /// <param name="sessionTtlSeconds">The TTL of a session the membership creates: how long a dead member stays in the
    /// pool before its buddy takes over.</param>
    /// <param name="cancellationToken">Cancels the join.</param>
    /// <returns>The membership; dispose it to leave the pool.</returns>
    public async Task<PoolMembership> JoinPoolAsync(string pool, string? name = null, CairnSession? session = null, long sessionTtlSeconds = 10, CancellationToken cancellationToken = default)
    {
        var uri = CoordinationUri("v1/pools", Name("pool name", pool), "members");
        var (held, owned) = await SessionForAsync(session, sessionTtlSeconds, cancellationToken).ConfigureAwait(false);
        PoolMembership? membership = null;
        try
        {
            var member = await SendJsonAsync<PoolMemberDto>(
                new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(new JoinPoolDto { Lease = held.LeaseId, Name = name }) },
                cancellationToken).ConfigureAwait(false);
            membership = new PoolMembership(this, member, new HandleLife(held, owned));
            await membership.FollowingAsync(cancellationToken).ConfigureAwait(false);
            return membership;
        }
        catch
        {
            if (membership is not null)
            {
                await membership.DisposeAsync().ConfigureAwait(false);
            }
            else if (owned)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The names of the pools that have members or orphaned items (<c>GET /v1/pools</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<string>> ListPoolsAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<PoolListDto>(new HttpRequestMessage(HttpMethod.Get, KeyUri("v1/pools")), cancellationToken).ConfigureAwait(false)).Pools;

    /// <summary>A pool's members in join order with their buddies and in-flight counts, and the items of gone members
    /// nobody has taken over yet (<c>GET /v1/pools/{pool}</c>). A pool nobody joined has no members.</summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<PoolDto> GetPoolAsync(string pool, CancellationToken cancellationToken = default) =>
        await SendJsonOrNullAsync<PoolDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/pools", Name("pool name", pool))), cancellationToken).ConfigureAwait(false)
            ?? new PoolDto { Pool = pool };

    /// <summary>Leaves a pool (<c>DELETE /v1/pools/{pool}/members/{member}</c>); <see cref="PoolMembership.DisposeAsync"/>
    /// does this for a membership. The member's in-flight items are taken over by its buddy.</summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="member">The member's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when it was not a member (left already, or its session ended).</returns>
    public Task<bool> LeavePoolAsync(string pool, string member, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, CoordinationUri("v1/pools", Name("pool name", pool), "members", Name("member id", member))), cancellationToken);

    /// <summary>Records an in-flight item of a member (<c>PUT /v1/pools/{pool}/members/{member}/items/{item}</c>): if the
    /// member dies before finishing it, its buddy takes it over.</summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="member">The member's id.</param>
    /// <param name="item">The item's id.</param>
    /// <param name="value">What the item is, for whoever finishes it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">The member is not in the pool (its session ended).</exception>
    public Task<PoolItemDto> PutPoolItemAsync(string pool, string member, string item, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var uri = CoordinationUri("v1/pools", Name("pool name", pool), "members", Name("member id", member), "items", Name("item id", item));
        return SendJsonAsync<PoolItemDto>(new HttpRequestMessage(HttpMethod.Put, uri) { Content = JsonContent(new PutPoolItemDto { Value = value }) }, cancellationToken);
    }

    /// <summary>Finishes (removes) an in-flight item (<c>DELETE /v1/pools/{pool}/members/{member}/items/{item}</c>).</summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="member">The member's id.</param>
    /// <param name="item">The item's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the member had no such item.</returns>
    public Task<bool> FinishPoolItemAsync(string pool, string member, string item, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, CoordinationUri("v1/pools", Name("pool name", pool), "members", Name("member id", member), "items", Name("item id", item))), cancellationToken);

    /// <summary>A member's in-flight items (<c>GET /v1/pools/{pool}/members/{member}/items</c>), its own and those it took over.</summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="member">The member's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<PoolItemDto>> ListPoolItemsAsync(string pool, string member, CancellationToken cancellationToken = default) =>
        await SendJsonAsync<List<PoolItemDto>>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/pools", Name("pool name", pool), "members", Name("member id", member), "items")), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Follows a pool's membership (<c>GET /v1/pools/{pool}/events</c>, SSE): a <c>joined</c> or <c>left</c> event per
    /// change from <paramref name="fromRevision"/> on, each with its revision. A dropped connection is reopened where it
    /// stopped: nothing is lost or repeated.
    /// </summary>
    /// <param name="pool">The pool's name.</param>
    /// <param name="fromRevision">The first revision to deliver (e.g. a <see cref="PoolDto.Revision"/> read + 1); 0: from now on.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public IAsyncEnumerable<PoolEventDto> WatchPoolAsync(string pool, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        var events = CoordinationUri("v1/pools", Name("pool name", pool), "events").OriginalString;
        return ResumableStreamAsync<PoolEventDto>(
            from => from > 0 ? events + "?fromRevision=" + Num(from) : events,
            fromRevision,
            e => e.Revision,
            _ => false,
            null,
            cancellationToken);
    }

    /// <summary>
    /// One connection's worth of a member's own events (<c>GET /v1/pools/{pool}/members/{member}/events</c>): while it is
    /// open the server follows the member (watches its buddy, takes over dead members' items): <c>buddy</c>,
    /// <c>takeover</c>, and <c>lost</c> when the member's session ended (the last event). Ends when the connection does;
    /// <see cref="PoolMembership"/> reopens it.
    /// </summary>
    internal async IAsyncEnumerable<PoolEventDto> FollowPoolMemberOnceAsync(string pool, string member, Action opened, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = CoordinationUri("v1/pools", Name("pool name", pool), "members", Name("member id", member), "events").OriginalString;
        var stream = await OpenEventStreamAsync(path, established: true, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            yield break;
        }

        await foreach (var sse in ReadConnectionAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            opened();
            if (sse.Type == "created")
            {
                continue;
            }

            yield return ReadEventData<PoolEventDto>(sse.Data);
        }
    }

    /// <summary>The answer of <c>GET /v1/pools</c>.</summary>
    private sealed class PoolListDto
    {
        [JsonPropertyName("pools")]
        public List<string> Pools { get; set; } = [];
    }
}

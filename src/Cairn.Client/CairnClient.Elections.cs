using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Leader election over <c>/v1/elections</c>: campaign, proclaim, resign, observe.</summary>
public sealed partial class CairnClient
{
    /// <summary>
    /// Campaigns in an election (<c>POST /v1/elections/{name}/campaign</c>) and waits until this candidate leads (each
    /// candidate watches only the one ahead of it). The leadership lives under <paramref name="session"/>, or under a
    /// session it creates and ends on dispose; when that session ends the next candidate leads and
    /// <see cref="Leadership.Lost"/> fires.
    /// </summary>
    /// <remarks>A wait longer than one request may last (50 s, or less within a shorter request timeout) is made of
    /// several requests: between two, the candidate queues again, behind those that campaigned meanwhile.</remarks>
    /// <param name="name">The election's name.</param>
    /// <param name="value">The value to proclaim (e.g. this process's address).</param>
    /// <param name="options">How long to wait, and the TTL of a session the leadership creates.</param>
    /// <param name="session">The session to lead under; null: a new one, owned by the leadership.</param>
    /// <param name="cancellationToken">Gives up (the candidacy is withdrawn).</param>
    /// <returns>The leadership; dispose it to resign.</returns>
    /// <exception cref="ConflictException"><see cref="CampaignOptions.Wait"/> ran out; the candidacy is withdrawn.</exception>
    public async Task<Leadership> CampaignAsync(string name, string value, CampaignOptions? options = null, CairnSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        options ??= new CampaignOptions();
        var uri = CoordinationUri("v1/elections", Name("election name", name), "campaign");
        var (held, owned) = await SessionForAsync(session, options.SessionTtlSeconds, cancellationToken).ConfigureAwait(false);
        try
        {
            var leader = await WaitInLineAsync<LeaderDto>(
                options.Wait,
                wait => new HttpRequestMessage(HttpMethod.Post, uri)
                {
                    Content = JsonContent(new CampaignDto { Lease = held.LeaseId, Value = value, WaitSeconds = wait.TotalSeconds }),
                },
                cancellationToken).ConfigureAwait(false);
            return new Leadership(this, leader, new HandleLife(held, owned));
        }
        catch
        {
            if (owned)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The current leader (<c>GET /v1/elections/{name}</c>).</summary>
    /// <param name="name">The election's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The leader, or null when nobody leads.</returns>
    public Task<LeaderDto?> GetLeaderAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonOrNullAsync<LeaderDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/elections", Name("election name", name))), cancellationToken);

    /// <summary>Proclaims a new value as the leader (<c>POST /v1/elections/{name}/proclaim</c>).</summary>
    /// <param name="name">The election's name.</param>
    /// <param name="leadership">The leadership's key and token, and the new value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The leader with the new value.</returns>
    /// <exception cref="ConflictException">That leadership does not lead (any more); nothing was written.</exception>
    public Task<LeaderDto> ProclaimAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leadership);
        var uri = CoordinationUri("v1/elections", Name("election name", name), "proclaim");
        return SendJsonAsync<LeaderDto>(new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(leadership) }, cancellationToken);
    }

    /// <summary>Resigns a leadership (or withdraws a candidacy) (<c>POST /v1/elections/{name}/resign</c>).</summary>
    /// <param name="name">The election's name.</param>
    /// <param name="leadership">The leadership's key and token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when it was not there (resigned already, or its session ended).</returns>
    public Task<bool> ResignAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leadership);
        var uri = CoordinationUri("v1/elections", Name("election name", name), "resign");
        return SendNoContentAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(leadership) }, cancellationToken);
    }

    /// <summary>
    /// Observes an election (<c>GET /v1/elections/{name}/observe</c>, SSE): the current leader, then every change of
    /// leader or of its proclaimed value, in revision order. A dropped connection is reopened; what was delivered already
    /// is not delivered again.
    /// </summary>
    /// <param name="name">The election's name.</param>
    /// <param name="cancellationToken">Ends the observation.</param>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public async IAsyncEnumerable<LeaderDto> ObserveLeaderAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var path = CoordinationUri("v1/elections", Name("election name", name), "observe").OriginalString;
        LeaderDto? last = null;
        await foreach (var leader in ResumableStreamAsync<LeaderDto>(_ => path, 0, _ => 0, _ => false, null, cancellationToken).ConfigureAwait(false))
        {
            // A reconnection starts with the leader as it stands: not news when it was the last one delivered.
            if (last is not null && (leader.Revision < last.Revision || (leader.Revision == last.Revision && leader.Token == last.Token && leader.Value == last.Value)))
            {
                continue;
            }

            last = leader;
            yield return leader;
        }
    }
}

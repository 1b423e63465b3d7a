using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Leader election on the keyspace (etcd's <c>concurrency.Election</c>): candidates are keys under their sessions'
/// leases, <c>/cairn/elections/&lt;name&gt;/&lt;id&gt;</c>; the one with the lowest create revision leads, and each other
/// waits on the candidate just before it only. The leader's create revision is its fencing token.
/// </summary>
public sealed class ElectionStore(IKeyspace store)
{
    private readonly IKeyspace _store = store;

    /// <summary>Where elections live.</summary>
    public const string Prefix = "/cairn/elections/";

    /// <summary>Campaigns and waits until leading; null when <see cref="CampaignDto.WaitSeconds"/> ran out (the candidacy
    /// is withdrawn).</summary>
    /// <exception cref="LeaseNotFoundException">The session is gone.</exception>
    public Task<LeaderDto?> CampaignAsync(string name, CampaignDto request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sets the leader's value, only while it still leads.</summary>
    /// <exception cref="ConflictException">It no longer leads.</exception>
    public Task<LeaderDto> ProclaimAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Resigns (or withdraws a candidacy); false when it was not there.</summary>
    public Task<bool> ResignAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The current leader, or null.</summary>
    public Task<LeaderDto?> LeaderAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The leader now (if any), then each change of leader or value, in revision order, until cancelled.</summary>
    public IAsyncEnumerable<LeaderDto> ObserveAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}

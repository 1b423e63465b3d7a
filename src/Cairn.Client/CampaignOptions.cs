namespace Cairn.Client;

/// <summary>How <see cref="CairnClient.CampaignAsync"/> campaigns.</summary>
public sealed record CampaignOptions
{
    /// <summary>How long to wait to lead; null: until leading (or cancelled).</summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>The TTL of the session the leadership creates when none is given: how long a dead leader keeps leading
    /// before another candidate takes over. 10 s by default.</summary>
    public long SessionTtlSeconds { get; init; } = 10;
}

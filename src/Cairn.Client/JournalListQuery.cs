namespace Cairn.Client;

/// <summary>A query over journal requests (<c>GET /v1/journal?…</c>); every filter given must match. Paging is by
/// request id: pass a page's <c>next</c> as <see cref="After"/>.</summary>
public sealed record JournalListQuery
{
    /// <summary>Only requests in this state: <c>in-progress</c>, <c>committed</c>, <c>aborted</c> or <c>unknown</c>.</summary>
    public string? State { get; init; }

    /// <summary>Only requests that have this step.</summary>
    public string? Step { get; init; }

    /// <summary>Only requests whose user_id (or authuser_id) is this.</summary>
    public string? User { get; init; }

    /// <summary>Only requests from this host.</summary>
    public string? Host { get; init; }

    /// <summary>Only requests on this resource.</summary>
    public string? Resource { get; init; }

    /// <summary>Only requests with this verb.</summary>
    public string? Verb { get; init; }

    /// <summary>Only requests whose first step was accepted at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only requests whose first step was accepted before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only "stuck" requests: in progress, first step older than this.</summary>
    public TimeSpan? Stuck { get; init; }

    /// <summary>Page cursor: only requests whose id sorts after this one.</summary>
    public string? After { get; init; }

    /// <summary>Page size (the server's default when null).</summary>
    public int? Limit { get; init; }
}

namespace Cairn.Journal;

/// <summary>Where an entry was read from.</summary>
public enum JournalSource
{
    /// <summary>The primary store (the server's keyspace).</summary>
    Primary,

    /// <summary>The secondary directory: written while the primary was unavailable, not yet replayed.</summary>
    Secondary,

    /// <summary>History: the request was finished and folded into a history segment.</summary>
    History,
}

/// <summary>One step of a request.</summary>
/// <param name="Txid">The request id.</param>
/// <param name="Step">The step name (begin, authorization, commit, abort, …).</param>
/// <param name="At">When the journal first accepted it (the server's clock).</param>
/// <param name="Message">The step's JSON message, UTF-8, exactly as written.</param>
/// <param name="Revision">The store revision that wrote it; 0 while it is only in the secondary.</param>
/// <param name="Node">The node that accepted it.</param>
/// <param name="Source">Where it was read from.</param>
public sealed record JournalEntry(
    string Txid,
    string Step,
    DateTimeOffset At,
    ReadOnlyMemory<byte> Message,
    long Revision,
    string Node,
    JournalSource Source = JournalSource.Primary)
{
    /// <summary>Where the message is while it has not been read from the large-message store; null when
    /// <see cref="Message"/> holds it. Never set on an entry the journal hands out.</summary>
    internal LargeMessageRef? Large { get; init; }
}

/// <summary>A request: its state and every step, oldest first.</summary>
/// <param name="Txid">The request id.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Steps">Its steps in the order they were accepted.</param>
/// <param name="Fields">Structured fields taken from its messages.</param>
/// <param name="Segment">The history segment it was folded into, when it has been.</param>
public sealed record JournalRequest(
    string Txid,
    JournalState State,
    IReadOnlyList<JournalEntry> Steps,
    JournalFields Fields,
    long? Segment = null)
{
    /// <summary>When its first step was accepted.</summary>
    public DateTimeOffset First => Steps.Count == 0 ? default : Steps.Min(s => s.At);

    /// <summary>When its last step was accepted.</summary>
    public DateTimeOffset Last => Steps.Count == 0 ? default : Steps.Max(s => s.At);
}

/// <summary>One request in a listing (no messages).</summary>
/// <param name="Txid">The request id.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Steps">Its step names in the order they were accepted.</param>
/// <param name="First">When its first step was accepted.</param>
/// <param name="Last">When its last step was accepted.</param>
/// <param name="Fields">Structured fields taken from its messages.</param>
/// <param name="Revision">The store revision of its last change (0 for archived requests).</param>
public sealed record JournalSummary(
    string Txid,
    JournalState State,
    IReadOnlyList<string> Steps,
    DateTimeOffset First,
    DateTimeOffset Last,
    JournalFields Fields,
    long Revision);

/// <summary>The seed's status answer: the commit message, else the abort message, else in progress, else not found.</summary>
/// <param name="State">The state; <see cref="JournalState.Unknown"/> means "not found".</param>
/// <param name="Message">The commit or abort message (JSON), for finished requests.</param>
public sealed record JournalStatus(JournalState State, ReadOnlyMemory<byte> Message)
{
    /// <summary>The answer for a request that does not exist (or has no begin, commit or abort step).</summary>
    public static JournalStatus NotFound { get; } = new(JournalState.Unknown, default);
}

/// <summary>What an append did.</summary>
/// <param name="Entry">The entry now in the journal: the one written, or the earlier one that won.</param>
/// <param name="Created">False when the step already existed (the first message is kept).</param>
/// <param name="Spooled">True when the primary was unavailable and the entry went to the secondary directory.</param>
public sealed record AppendResult(JournalEntry Entry, bool Created, bool Spooled);

/// <summary>A query over requests; every filter given must match. Paging is by request id.</summary>
public sealed record JournalQuery
{
    /// <summary>Largest page.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Only requests in this state.</summary>
    public JournalState? State { get; init; }

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

    /// <summary>Page cursor: only requests whose id sorts after this one.</summary>
    public string? After { get; init; }

    /// <summary>Page size (1 to <see cref="MaxLimit"/>).</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>A page of requests; <see cref="Next"/> is the cursor for the next page, null on the last.</summary>
public sealed record JournalPage(IReadOnlyList<JournalSummary> Requests, string? Next);

/// <summary>What one fold-and-export pass did.</summary>
/// <param name="Folded">Requests folded into history.</param>
/// <param name="Files">Export files written (full paths), in order.</param>
/// <param name="Removed">History segments removed by retention.</param>
public sealed record ExportReport(int Folded, IReadOnlyList<string> Files, int Removed);

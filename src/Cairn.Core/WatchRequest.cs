namespace Cairn.Core;

/// <summary>Watch the keys in <paramref name="Range"/> for changes.</summary>
/// <param name="Range">Which keys.</param>
public sealed record WatchRequest(KeyRange Range)
{
    /// <summary>First revision to deliver. 0 means "changes after now" (the current revision + 1). A revision at or
    /// below the current one replays history from there, provided it is not below the compaction point.</summary>
    public long StartRevision { get; init; }

    /// <summary>Deliver each event's previous key-value.</summary>
    public bool PrevKv { get; init; }

    /// <summary>How often, with nothing to deliver, a progress notification reports the revision the watch has reached.
    /// Null: the backend's default (10 s). <see cref="TimeSpan.Zero"/>: never.</summary>
    public TimeSpan? ProgressInterval { get; init; }
}

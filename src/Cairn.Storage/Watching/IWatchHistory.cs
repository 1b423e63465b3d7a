using Cairn.Core;

namespace Cairn.Storage.Watching;

/// <summary>
/// What a backend that keeps its own history gives its <see cref="WatchHub"/>: the compaction point, and the events of
/// past revisions for watchers that fell behind the hub's in-memory window.
/// </summary>
/// <remarks>Concurrency: called from any number of watchers at once. The history holds every revision the backend has
/// published to the hub (the backend publishes a revision only once it is committed and readable).</remarks>
public interface IWatchHistory
{
    /// <summary>The revision below which history is gone; 0 if nothing was ever compacted.</summary>
    long CompactRevision { get; }

    /// <summary>
    /// Appends to <paramref name="into"/>, one response per revision in revision order, the events of the revisions
    /// <paramref name="from"/> to <paramref name="through"/> (both included) whose keys lie in <paramref name="range"/>;
    /// each event carries its previous key-value only when <paramref name="prevKv"/> is set. Revisions without such
    /// events add nothing.
    /// </summary>
    /// <exception cref="CompactedException"><paramref name="from"/> is below the compaction point.</exception>
    ValueTask ReadAsync(KeyRange range, long from, long through, bool prevKv, List<WatchResponse> into, CancellationToken cancellationToken);
}

using System.Runtime.CompilerServices;
using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Replicated;

public sealed partial class ReplicatedKeyspace
{
    /// <inheritdoc />
    /// <remarks>The node's watch hub serves it: every node publishes each revision it applies, whoever wrote it, so a
    /// watch on one node sees the writes made on all. A watch from revision 0 starts after the log's latest entry.</remarks>
    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WatchFromLatestAsync(request, cancellationToken);
    }

    private async IAsyncEnumerable<WatchResponse> WatchFromLatestAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var response in _hub.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            yield return response;
        }
    }

    // The in-memory history, as the watch hub reads it for watchers that fell behind its window.
    private sealed class History(ReplicatedKeyspace store) : IWatchHistory
    {
        public long CompactRevision => store.State.CompactRevision;

        public ValueTask ReadAsync(KeyRange range, long from, long through, bool prevKv, List<WatchResponse> into, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            store.State.History.Read(range, from, through, prevKv, into);
            return ValueTask.CompletedTask;
        }
    }
}

using Cairn.Core;

namespace Cairn.Coordination.Pools;

/// <summary>
/// Waits on a few watches at once, all from one revision, until one of them sees a change that matters: how a recipe
/// waits behind the one or two keys it depends on (its predecessor, and its own key) without polling.
/// </summary>
internal static class KeyWatches
{
    /// <summary>One watched range and which of its responses wake the waiter.</summary>
    internal sealed record Spec(KeyRange Range, Func<WatchResponse, bool> Wakes);

    /// <summary>
    /// Watches every range of <paramref name="specs"/> from <paramref name="fromRevision"/> and returns the first response
    /// that wakes (null when a watch ended without one, which callers treat as a reason to look again). The other watches
    /// are closed before it returns.
    /// </summary>
    /// <exception cref="CompactedException">History from <paramref name="fromRevision"/> is gone: read again.</exception>
    public static async Task<WatchResponse?> FirstAsync(IKeyspace store, long fromRevision, IReadOnlyList<Spec> specs, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = specs.Select(spec => WaitOneAsync(store, fromRevision, spec, stop.Token)).ToList();
        var first = await Task.WhenAny(waits).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var wait in waits.Where(w => w != first))
        {
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or CairnException)
            {
                // Closed because another watch woke first; its own error, if any, is not the answer.
            }
        }

        return await first.ConfigureAwait(false);
    }

    private static async Task<WatchResponse?> WaitOneAsync(IKeyspace store, long fromRevision, Spec spec, CancellationToken cancellationToken)
    {
        var request = new WatchRequest(spec.Range) { StartRevision = fromRevision, ProgressInterval = TimeSpan.Zero };
        await foreach (var response in store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsProgressNotify && spec.Wakes(response))
            {
                return response;
            }
        }

        return null;
    }
}

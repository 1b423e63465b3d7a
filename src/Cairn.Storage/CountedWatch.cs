using Cairn.Core;

namespace Cairn.Storage;

/// <summary>A watch that holds one place in a count (under <see cref="KeyspaceLimits.MaxWatches"/>, of open watches on
/// /metrics): given back once, when its enumerator is disposed (an <c>await foreach</c> ends, however it ends).</summary>
/// <param name="inner">The watch.</param>
/// <param name="release">Gives the place back; called once.</param>
public sealed class CountedWatch(IAsyncEnumerable<WatchResponse> inner, Action release) : IAsyncEnumerable<WatchResponse>
{
    private int _released;

    /// <inheritdoc />
    public IAsyncEnumerator<WatchResponse> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(inner.GetAsyncEnumerator(cancellationToken), this);

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }

    private sealed class Enumerator(IAsyncEnumerator<WatchResponse> inner, CountedWatch owner) : IAsyncEnumerator<WatchResponse>
    {
        public WatchResponse Current => inner.Current;

        public ValueTask<bool> MoveNextAsync() => inner.MoveNextAsync();

        public async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                owner.Release();
            }
        }
    }
}

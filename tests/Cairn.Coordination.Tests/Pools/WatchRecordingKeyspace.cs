using System.Runtime.CompilerServices;
using Cairn.Storage;

namespace Cairn.Coordination.Tests.Pools;

/// <summary>A store in front of the test's store that records which ranges are watched: how a test sees who waits on
/// what without looking inside the recipe.</summary>
internal sealed class WatchRecordingKeyspace(IKeyspace inner) : DelegatingKeyspace(inner, ownsInner: false)
{
    private readonly List<string> _open = [];
    private int _opened;

    /// <summary>How many watches were ever opened.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>The ranges watched now (one entry per open watch), sorted.</summary>
    public List<string> Open()
    {
        lock (_open)
        {
            return [.. _open.Order(StringComparer.Ordinal)];
        }
    }

    public override IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) =>
        RecordAsync(request, cancellationToken);

    private async IAsyncEnumerable<WatchResponse> RecordAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var range = request.Range.ToString();
        lock (_open)
        {
            _open.Add(range);
        }

        Interlocked.Increment(ref _opened);
        try
        {
            await foreach (var response in Inner.WatchAsync(request, cancellationToken))
            {
                yield return response;
            }
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(range);
            }
        }
    }
}

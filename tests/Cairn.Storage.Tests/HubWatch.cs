using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Tests;

/// <summary>
/// A watch on the hub under test, read one response at a time, each read with a deadline so that a watch that stops
/// delivering fails the test instead of hanging it. A read may be started and awaited later (<see cref="StartRead"/>),
/// so that a test can put while the watch waits.
/// </summary>
internal sealed class HubWatch : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private readonly IAsyncEnumerator<WatchResponse> _responses;
    private readonly WatchRequest _request;
    private Task<bool>? _pending;
    private bool _disposed;

    public HubWatch(WatchHub hub, WatchRequest request)
    {
        _request = request;
        _responses = hub.WatchAsync(request, _cancel.Token).GetAsyncEnumerator(_cancel.Token);
    }

    public KeyRange Range => _request.Range;

    /// <summary>True when a started read has a response (or failed).</summary>
    public bool HasResponse => _pending is { IsCompleted: true };

    /// <summary>Starts reading the next response, if no read is under way.</summary>
    public void StartRead() => _pending ??= _responses.MoveNextAsync().AsTask();

    public async Task<WatchResponse> NextAsync()
    {
        StartRead();
        if (await Task.WhenAny(_pending!, Task.Delay(Deadline)) != _pending && !_pending!.IsCompleted)
        {
            Assert.Fail($"The watch of {_request.Range} from revision {_request.StartRevision} delivered nothing within {Deadline.TotalSeconds} s.");
        }

        var move = _pending!;
        _pending = null;
        Assert.True(await move, $"The watch of {_request.Range} ended although it was not cancelled.");
        return _responses.Current;
    }

    public async Task<WatchResponse> NextEventsAsync()
    {
        while (true)
        {
            var response = await NextAsync();
            if (!response.IsProgressNotify)
            {
                return response;
            }
        }
    }

    /// <summary>Reads responses until they hold at least <paramref name="count"/> events.</summary>
    public async Task<List<WatchResponse>> ReadEventsAsync(int count)
    {
        var responses = new List<WatchResponse>();
        var seen = 0;
        while (seen < count)
        {
            var response = await NextEventsAsync();
            responses.Add(response);
            seen += response.Events.Count;
        }

        return responses;
    }

    public async Task CancelAsync() => await _cancel.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _cancel.CancelAsync();
        if (_pending is not null)
        {
            try
            {
                await _pending.WaitAsync(Deadline);
            }
            catch (Exception ex) when (ex is OperationCanceledException or CairnException)
            {
            }
        }

        await _responses.DisposeAsync();
        _cancel.Dispose();
    }
}

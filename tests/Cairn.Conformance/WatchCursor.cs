using Cairn.Core;

namespace Cairn.Conformance;

/// <summary>
/// A watch under test, read one response at a time and each read with a deadline: a watch that stops delivering fails
/// the test with a message saying what it was waiting for, instead of hanging the run.
/// </summary>
/// <remarks>
/// A watch starts when it is first read (an <see cref="IAsyncEnumerable{T}"/> does nothing before that), so a watch
/// from revision 0 sees the changes after its first <see cref="NextAsync"/> begins, not after it was opened.
/// </remarks>
public sealed class WatchCursor : IAsyncDisposable
{
    /// <summary>How long a read waits before it fails the test: a deadline against a watch that hangs, not a measure of
    /// speed, so generous enough for a heavily loaded machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private readonly IAsyncEnumerator<WatchResponse> _responses;
    private readonly WatchRequest _request;
    private Task<bool>? _pending;

    /// <summary>Opens a watch on <paramref name="store"/>; it starts at the first read.</summary>
    public WatchCursor(IKeyspace store, WatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(store);
        _request = request ?? throw new ArgumentNullException(nameof(request));
        _responses = store.WatchAsync(request, _cancel.Token).GetAsyncEnumerator(_cancel.Token);
    }

    /// <summary>The next response (events or a progress notification); fails the test if none arrives within
    /// <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>) or the watch ends. Errors of the watch are thrown.</summary>
    public async Task<WatchResponse> NextAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        _pending ??= _responses.MoveNextAsync().AsTask();

        // After a stall of the whole process both may have completed: a response that is there counts.
        if (await Task.WhenAny(_pending, Task.Delay(limit)) != _pending && !_pending.IsCompleted)
        {
            Assert.Fail($"The watch of {_request.Range} from revision {_request.StartRevision} delivered nothing within {limit.TotalSeconds:0.#} s.");
        }

        var move = _pending;
        _pending = null;
        if (!await move)
        {
            Assert.Fail($"The watch of {_request.Range} ended although it was not cancelled.");
        }

        return _responses.Current;
    }

    /// <summary>The next response that carries events, skipping progress notifications; fails the test if none arrives
    /// within <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>).</summary>
    public async Task<WatchResponse> NextEventsAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"The watch of {_request.Range} delivered only progress notifications for {limit.TotalSeconds:0.#} s.");
            }

            var response = await NextAsync(left);
            if (!response.IsProgressNotify)
            {
                return response;
            }
        }
    }

    /// <summary>Reads responses with events until they hold at least <paramref name="count"/> events in all; each read
    /// has <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>).</summary>
    public async Task<List<WatchResponse>> ReadEventsAsync(int count, TimeSpan? timeout = null)
    {
        var responses = new List<WatchResponse>();
        var seen = 0;
        while (seen < count)
        {
            var response = await NextEventsAsync(timeout);
            responses.Add(response);
            seen += response.Events.Count;
        }

        return responses;
    }

    /// <summary>Cancels the watch and waits (boundedly) for it to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        if (_pending is not null)
        {
            try
            {
                await _pending.WaitAsync(DefaultTimeout);
            }
            catch (Exception ex) when (ex is OperationCanceledException or CairnException or TimeoutException)
            {
                // Cancellation ends a pending read one way or another; a store that ignores it is caught by the timeout.
            }
        }

        try
        {
            await _responses.DisposeAsync();
        }
        catch (NotSupportedException)
        {
            // A read still pending after the timeout: the enumerator cannot be disposed under it.
        }

        _cancel.Dispose();
    }
}

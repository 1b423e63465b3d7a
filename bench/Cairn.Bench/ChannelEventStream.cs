using System.Threading.Channels;

namespace Cairn.Bench;

/// <summary>
/// An <see cref="IEventStream"/> fed by a background reader: the reader writes the time each change event arrived
/// and calls <c>created</c> once the server confirmed the watch.
/// </summary>
internal sealed class ChannelEventStream(Func<ValueTask> close) : IEventStream
{
    private readonly Channel<long> _events = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;

    public void Start(Func<ChannelWriter<long>, Action, CancellationToken, Task> read) =>
        _reader = Task.Run(async () =>
        {
            try
            {
                await read(_events.Writer, () => _created.TrySetResult(), _stop.Token).ConfigureAwait(false);
                _events.Writer.TryComplete(new IOException("The watch stream ended."));
            }
            catch (Exception ex)
            {
                _created.TrySetException(ex);
                _events.Writer.TryComplete(ex);
            }
        });

    public async Task WaitCreatedAsync(CancellationToken ct) =>
        await _created.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);

    public ValueTask<long> NextAsync(CancellationToken ct) => _events.Reader.ReadAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await close().ConfigureAwait(false);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}

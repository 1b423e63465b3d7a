namespace Cairn.Storage.Sqlite;

/// <summary>A write waiting for the writer: what to apply, and the caller to answer once the batch is durable.</summary>
internal sealed class PendingWrite(Func<WriteBatch, object> apply)
{
    private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Func<WriteBatch, object> Apply { get; } = apply;

    /// <summary>The result of <see cref="Apply"/>, held until the batch commits.</summary>
    public object? Result { get; set; }

    /// <summary>The error of <see cref="Apply"/>; the batch goes on without this write.</summary>
    public Exception? Error { get; set; }

    public Task<object> Completion => _completion.Task;

    public void Complete()
    {
        if (Error is not null)
        {
            _completion.TrySetException(Error);
        }
        else
        {
            _completion.TrySetResult(Result!);
        }
    }

    public void Fail(Exception error) => _completion.TrySetException(error);
}

namespace Cairn.Storage.Replicated;

/// <summary>What a <see cref="WriteRequest"/> asks for.</summary>
internal enum WriteKind
{
    Put,
    Delete,
    Txn,
    Compact,
    Grant,
    KeepAlive,
    Revoke,

    /// <summary>The sweeper's: revoke the lease if it has expired by the evaluating node's clock, else nothing.</summary>
    Expire,
}

/// <summary>
/// A write waiting for the node's sequencer: what to evaluate, the outcome of its latest evaluation, and the caller to
/// answer once that outcome is confirmed by the log (its entry appended, or the log found unchanged).
/// </summary>
internal sealed class WriteRequest(WriteKind kind, object? request = null, long number = 0, long ttlSeconds = 0)
{
    private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WriteKind Kind { get; } = kind;

    /// <summary>The <see cref="Core.PutRequest"/>, <see cref="Core.DeleteRequest"/> or <see cref="Core.TxnRequest"/>.</summary>
    public object? Request { get; } = request;

    /// <summary>The lease id, or the compaction revision.</summary>
    public long Number { get; } = number;

    public long TtlSeconds { get; } = ttlSeconds;

    /// <summary>About how many bytes the request adds to an entry: its keys and values.</summary>
    public long PayloadBytes { get; } = request switch
    {
        Core.PutRequest put => put.Key.Length + put.Value.Length,
        Core.TxnRequest txn => txn.Success.Concat(txn.Failure).Sum(op => op is Core.PutRequest put ? put.Key.Length + (long)put.Value.Length : 0),
        _ => 0,
    };

    /// <summary>The sweeper's requests answer nobody: when they change nothing, nothing needs confirming.</summary>
    public bool IsInternal => Kind == WriteKind.Expire;

    /// <summary>The result of the latest evaluation, given to the caller once confirmed.</summary>
    public object? Result { get; set; }

    /// <summary>The error of the latest evaluation (the request leaves nothing in the entry), given once confirmed.</summary>
    public Exception? Error { get; set; }

    public Task<object> Completion => _completion.Task;

    /// <summary>Answers with the latest evaluation's outcome.</summary>
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

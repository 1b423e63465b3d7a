using Cairn.Storage.Replicated;

namespace Cairn.Storage.Tests;

/// <summary>
/// A log in front of another that fails, stalls or goes quiet on demand, as ZooKeeper does when it is unreachable,
/// slow to answer a node, or when a node misses its watch notifications.
/// </summary>
internal sealed class FaultyLog(IKeyspaceLog inner) : IKeyspaceLog
{
    private TaskCompletionSource? _readGate;

    /// <summary>Thrown by every call while set: the engine cannot be reached.</summary>
    public Exception? Fault { get; set; }

    /// <summary>Thrown by appends only while set.</summary>
    public Exception? AppendFault { get; set; }

    /// <summary>While true the node gets no <see cref="Grown"/> hints: it learns of other nodes' entries only when it
    /// asks the log.</summary>
    public bool DropHints { get; set; }

    /// <summary>Reads begun now or later wait until <see cref="ResumeReads"/>.</summary>
    public void PauseReads() => Interlocked.CompareExchange(ref _readGate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    public void ResumeReads() => Interlocked.Exchange(ref _readGate, null)?.TrySetResult();

    public Action? Grown
    {
        get => inner.Grown;
        set => inner.Grown = value is null ? null : () =>
        {
            if (!DropHints)
            {
                value();
            }
        };
    }

    public ValueTask<bool> TryAppendAsync(long afterIndex, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
    {
        ThrowIfFaulty();
        if (AppendFault is { } fault)
        {
            throw fault;
        }

        return inner.TryAppendAsync(afterIndex, entry, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<LogRecord>> ReadAsync(long afterIndex, int max, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _readGate) is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        ThrowIfFaulty();
        return await inner.ReadAsync(afterIndex, max, cancellationToken);
    }

    public ValueTask<long> LastIndexAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfFaulty();
        return inner.LastIndexAsync(cancellationToken);
    }

    public ValueTask WriteSnapshotAsync(long index, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        ThrowIfFaulty();
        return inner.WriteSnapshotAsync(index, snapshot, cancellationToken);
    }

    public ValueTask<LogSnapshot?> ReadSnapshotAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfFaulty();
        return inner.ReadSnapshotAsync(cancellationToken);
    }

    public ValueTask TruncateAsync(long throughIndex, CancellationToken cancellationToken = default)
    {
        ThrowIfFaulty();
        return inner.TruncateAsync(throughIndex, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        ResumeReads();
        return inner.DisposeAsync();
    }

    private void ThrowIfFaulty()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
    }
}

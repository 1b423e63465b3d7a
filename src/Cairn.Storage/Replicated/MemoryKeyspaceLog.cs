namespace Cairn.Storage.Replicated;

/// <summary>
/// A <see cref="IKeyspaceLog"/> in this process's memory: a list of entries and the latest snapshot under one lock.
/// Nothing survives the process, so it is a log for tests and for a single process that wants the replicated backend's
/// behaviour (<see cref="ReplicatedKeyspace"/> over it is an in-memory keyspace).
/// </summary>
/// <remarks>
/// <para>Several nodes share one log through <see cref="Connect"/>: each node gets a handle of its own (its own
/// <see cref="Grown"/>, disposed with the node), all on the same entries, as each node of a cluster has its own
/// session with ZooKeeper. An append fires <see cref="Grown"/> on every other handle.</para>
/// <para>Concurrency: every member may be called concurrently; each answers synchronously.</para>
/// </remarks>
public sealed class MemoryKeyspaceLog : IKeyspaceLog
{
    private readonly Shared _shared;
    private int _disposed;

    /// <summary>A new, empty log, and the first handle on it.</summary>
    public MemoryKeyspaceLog()
        : this(new Shared())
    {
    }

    private MemoryKeyspaceLog(Shared shared)
    {
        _shared = shared;
        lock (shared.Gate)
        {
            shared.Handles.Add(this);
        }
    }

    /// <inheritdoc />
    public Action? Grown { get; set; }

    /// <summary>The first index the log still holds (1 until the first truncation).</summary>
    public long FirstIndex
    {
        get
        {
            lock (_shared.Gate)
            {
                return _shared.FirstIndex;
            }
        }
    }

    /// <summary>Another handle on the same log, for another node.</summary>
    public MemoryKeyspaceLog Connect()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new(_shared);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAppendAsync(long afterIndex, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        var copy = entry.ToArray();
        List<MemoryKeyspaceLog> others;
        lock (_shared.Gate)
        {
            if (afterIndex != _shared.LastIndex)
            {
                return ValueTask.FromResult(false);
            }

            _shared.Entries.Add(copy);
            others = _shared.Handles.Where(handle => handle != this).ToList();
        }

        foreach (var handle in others)
        {
            handle.Grown?.Invoke();
        }

        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LogRecord>> ReadAsync(long afterIndex, int max, CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_shared.Gate)
        {
            if (afterIndex + 1 < _shared.FirstIndex)
            {
                throw new LogTruncatedException(_shared.FirstIndex);
            }

            var records = new List<LogRecord>();
            for (var index = afterIndex + 1; index <= _shared.LastIndex && records.Count < max; index++)
            {
                records.Add(new LogRecord(index, _shared.Entries[(int)(index - _shared.FirstIndex)]));
            }

            return ValueTask.FromResult<IReadOnlyList<LogRecord>>(records);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> LastIndexAsync(CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        lock (_shared.Gate)
        {
            return ValueTask.FromResult(_shared.LastIndex);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteSnapshotAsync(long index, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        var copy = snapshot.ToArray();
        lock (_shared.Gate)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(index, _shared.LastIndex);
            ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);

            // Two nodes may race to store snapshots; the newer one stays.
            if (_shared.Snapshot is null || _shared.Snapshot.Index < index)
            {
                _shared.Snapshot = new LogSnapshot(index, copy);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<LogSnapshot?> ReadSnapshotAsync(CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        lock (_shared.Gate)
        {
            return ValueTask.FromResult(_shared.Snapshot);
        }
    }

    /// <inheritdoc />
    public ValueTask TruncateAsync(long throughIndex, CancellationToken cancellationToken = default)
    {
        Check(cancellationToken);
        lock (_shared.Gate)
        {
            var covered = _shared.Snapshot?.Index ?? 0;
            if (throughIndex > covered)
            {
                throw new ArgumentOutOfRangeException(nameof(throughIndex), $"Cannot truncate through index {throughIndex}: the latest snapshot covers the entries through {covered} only.");
            }

            var drop = (int)Math.Max(0, throughIndex - _shared.FirstIndex + 1);
            _shared.Entries.RemoveRange(0, drop);
            _shared.FirstIndex += drop;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Closes this handle; the log and the other handles stay.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_shared.Gate)
            {
                _shared.Handles.Remove(this);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Check(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
    }

    // The log itself, shared by every handle.
    private sealed class Shared
    {
        public Lock Gate { get; } = new();

        public List<byte[]> Entries { get; } = [];

        public List<MemoryKeyspaceLog> Handles { get; } = [];

        public long FirstIndex { get; set; } = 1;

        public long LastIndex => FirstIndex + Entries.Count - 1;

        public LogSnapshot? Snapshot { get; set; }
    }
}

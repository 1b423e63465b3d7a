using Cairn.Core;
using Cairn.Storage.Replicated;

namespace Cairn.Storage.Log;

public sealed partial class FileKeyspaceLog
{
    /// <inheritdoc />
    /// <remarks>Written beside the segments, outside the append lock: appends go on while a large snapshot is written.</remarks>
    public ValueTask WriteSnapshotAsync(long index, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Volatile.Read(ref _lastIndex));
        lock (_gate)
        {
            if (_snapshot is { } current && current.Index >= index)
            {
                return ValueTask.CompletedTask;
            }
        }

        SnapshotFile written;
        try
        {
            written = SnapshotFile.Write(_options.Directory, index, snapshot.Span);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"Cannot write a snapshot in '{_options.Directory}': {ex.Message}", ex);
        }

        lock (_gate)
        {
            if (_snapshot is null || _snapshot.Index < written.Index)
            {
                _snapshot = written;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<LogSnapshot?> ReadSnapshotAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        SnapshotFile? snapshot;
        lock (_gate)
        {
            snapshot = _snapshot;
        }

        if (snapshot is null)
        {
            return ValueTask.FromResult<LogSnapshot?>(null);
        }

        try
        {
            return ValueTask.FromResult<LogSnapshot?>(new LogSnapshot(snapshot.Index, snapshot.Read()));
        }
        catch (IOException ex)
        {
            throw new UnavailableException($"Cannot read the snapshot '{snapshot.Path}': {ex.Message}", ex);
        }
    }
}

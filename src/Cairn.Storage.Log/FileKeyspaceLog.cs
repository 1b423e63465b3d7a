using Cairn.Core;
using Cairn.Storage.Replicated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Log;

/// <summary>
/// A <see cref="IKeyspaceLog"/> in a local directory, for one node: the embedded store's durable point. An append is
/// one sequential write of a checksummed record to the active segment file and one <c>fdatasync</c>, and the keyspace
/// appends one record per batch of writes, so the writes waiting together share the flush (group commit). The state
/// itself is the node's memory (<see cref="ReplicatedKeyspace"/>), rebuilt at start from the snapshot and the records
/// after it, as ZooKeeper rebuilds its tree from its snapshot and transaction log.
/// </summary>
/// <remarks>
/// <para>Crash safety. A record is confirmed only after its flush; a process or machine that stops mid-append leaves at
/// most one torn record at the end of the last segment, which opening cuts and reports (<see cref="Recovery"/>, and a
/// warning in the log): every confirmed record is kept, and the next append takes the index of the cut one, which was
/// never confirmed, so no revision a client saw is reused. A record that is not whole anywhere else is damage, which
/// opening refuses with <see cref="CorruptException"/> rather than drop confirmed writes silently.</para>
/// <para>A write or flush that fails leaves the log refusing appends with <see cref="UnavailableException"/> until the
/// process opens it again: after a failed <c>fdatasync</c> the kernel may have dropped the pages, so nothing written
/// since the last good flush can be trusted to be on disk, and retrying could confirm a record that is not. Reads go on
/// from memory. The batch whose append failed is answered <c>unavailable</c>: its record may or may not be found after
/// a restart, as with any write whose answer was lost.</para>
/// <para>One process at a time: the directory is locked while the log is open.</para>
/// <para>Concurrency: every member may be called concurrently; appends and truncations take one lock, the last index
/// is read without it.</para>
/// </remarks>
public sealed partial class FileKeyspaceLog : IKeyspaceLog
{
    private const string LockFileName = "LOCK";

    private readonly Lock _gate = new();
    private readonly FileKeyspaceLogOptions _options;
    private readonly ILogger _logger;
    private readonly List<LogSegment> _segments;
    private readonly FileStream _lockFile;
    private readonly byte[] _frame = new byte[LogSegment.FrameHeaderBytes];
    private SnapshotFile? _snapshot;
    private long _lastIndex;
    private Exception? _failure;
    private int _disposed;

    private FileKeyspaceLog(FileKeyspaceLogOptions options, ILogger logger, FileStream lockFile, List<LogSegment> segments, SnapshotFile? snapshot, LogRecovery? recovery)
    {
        _options = options;
        _logger = logger;
        _lockFile = lockFile;
        _segments = segments;
        _snapshot = snapshot;
        _lastIndex = segments[^1].LastIndex;
        Recovery = recovery;
    }

    /// <inheritdoc />
    /// <remarks>Never called: no other node appends to a local log.</remarks>
    public Action? Grown { get; set; }

    /// <summary>What opening cut from the end of the log, or null when it ended with a whole record.</summary>
    public LogRecovery? Recovery { get; }

    /// <summary>The directory of the log.</summary>
    public string Directory => _options.Directory;

    /// <summary>The error that stopped appends, or null while the log can be written.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>The first index the log still holds.</summary>
    public long FirstIndex
    {
        get
        {
            lock (_gate)
            {
                return _segments[0].FirstIndex;
            }
        }
    }

    /// <summary>
    /// Opens the log in <see cref="FileKeyspaceLogOptions.Directory"/>, creating it when missing: reads the snapshot,
    /// reads every segment, cuts a torn tail from the last one (reported in <see cref="Recovery"/>), and checks that the
    /// segments follow one another and reach the snapshot.
    /// </summary>
    /// <exception cref="UnavailableException">The directory cannot be created or read, or another process has it open.</exception>
    /// <exception cref="CorruptException">A segment or the snapshot is damaged where it cannot be a torn tail.</exception>
    public static FileKeyspaceLog Open(FileKeyspaceLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = options.Logger ?? NullLogger.Instance;
        var directory = Path.GetFullPath(options.Directory);
        options = options with { Directory = directory };
        FileStream lockFile;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A held LOCK (another process has the log open) shows as "being used by another process".
            throw new UnavailableException($"Cannot open the log directory '{directory}': {ex.Message}", ex);
        }

        var segments = new List<LogSegment>();
        try
        {
            foreach (var temporary in System.IO.Directory.EnumerateFiles(directory, "*.tmp"))
            {
                File.Delete(temporary);
            }

            var snapshot = SnapshotFile.FindLatest(directory);
            var recovery = OpenSegments(directory, segments, logger);
            var floor = snapshot?.Index ?? 0;
            if (segments.Count == 0)
            {
                segments.Add(LogSegment.Create(directory, floor + 1));
            }

            if (segments[0].FirstIndex > floor + 1)
            {
                throw new CorruptException($"The log in '{directory}' starts at index {segments[0].FirstIndex}, but its snapshot covers only the entries through {floor}: the entries between are missing.");
            }

            if (segments[^1].LastIndex < floor)
            {
                throw new CorruptException($"The log in '{directory}' ends at index {segments[^1].LastIndex}, before its snapshot's index {floor}: entries that were confirmed are missing.");
            }

            var log = new FileKeyspaceLog(options, logger, lockFile, segments, snapshot, recovery);
            LogOpened(logger, directory, log.FirstIndex, log._lastIndex, floor);
            return log;
        }
        catch (Exception ex)
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            lockFile.Dispose();
            if (ex is CairnException)
            {
                throw;
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new UnavailableException($"Cannot read the log in '{directory}': {ex.Message}", ex);
            }

            throw;
        }
    }

    // Opens the segments in index order into `segments`; cuts a torn tail of the last one and says what it cut.
    private static LogRecovery? OpenSegments(string directory, List<LogSegment> segments, ILogger logger)
    {
        var names = System.IO.Directory.EnumerateFiles(directory, "wal-*.log")
            .Select(path => (Path: path, Index: LogSegment.ParseName(Path.GetFileName(path))))
            .Where(entry => entry.Index is not null)
            .OrderBy(entry => entry.Index)
            .ToList();
        LogRecovery? recovery = null;
        for (var i = 0; i < names.Count; i++)
        {
            var (path, index) = names[i];
            var last = i == names.Count - 1;
            LogSegment segment;
            string? torn;
            try
            {
                (segment, torn) = LogSegment.Open(path, index!.Value);
            }
            catch (InvalidDataException ex) when (last)
            {
                // The last segment's header itself is torn: the process stopped while creating it, before any record
                // in it could be confirmed (a new segment is flushed before its first append).
                var bytes = new FileInfo(path).Length;
                File.Delete(path);
                SyncFile.Directory(directory);
                recovery = new LogRecovery(path, 0, bytes, segments.Count > 0 ? segments[^1].LastIndex : 0, ex.Message);
                LogTornTail(logger, path, bytes, 0, recovery.LastIndex, ex.Message);
                break;
            }
            catch (InvalidDataException ex)
            {
                throw new CorruptException($"Log segment '{path}' is damaged: {ex.Message}.");
            }

            if (segments.Count > 0 && segment.FirstIndex != segments[^1].LastIndex + 1)
            {
                var previous = segments[^1];
                segment.Dispose();
                throw new CorruptException($"Log segment '{path}' starts at index {segment.FirstIndex}, but the segment before it ('{previous.Path}') ends at {previous.LastIndex}: the log has a gap or an overlap.");
            }

            segments.Add(segment);
            if (torn is null)
            {
                continue;
            }

            if (!last)
            {
                throw new CorruptException($"Log segment '{path}' is damaged after index {segment.LastIndex} ({torn}), and it is not the last segment: confirmed entries after that point cannot be read.");
            }

            var offset = segment.Length;
            var cut = segment.CutTail();
            recovery = new LogRecovery(path, offset, cut, segment.LastIndex, torn);
            LogTornTail(logger, path, cut, offset, segment.LastIndex, torn);
        }

        return recovery;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAppendAsync(long afterIndex, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        if (entry.Length > LogSegment.MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), $"A log entry is at most {LogSegment.MaxRecordBytes} bytes.");
        }

        lock (_gate)
        {
            if (_failure is { } failure)
            {
                throw Unwritable(failure);
            }

            if (afterIndex != _lastIndex)
            {
                return ValueTask.FromResult(false);
            }

            var index = _lastIndex + 1;
            try
            {
                var segment = _segments[^1];
                if (segment.Length >= _options.SegmentBytes && segment.Count > 0)
                {
                    segment = Roll(segment, index);
                }

                segment.Append(index, entry, _frame);
                if (_options.Durable)
                {
                    SyncFile.DataSync(segment.File.SafeFileHandle, segment.File);
                }

                segment.Appended(entry.Length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _failure = ex;
                LogAppendFailed(_logger, _options.Directory, index, ex);
                throw Unwritable(ex);
            }

            Volatile.Write(ref _lastIndex, index);
            return ValueTask.FromResult(true);
        }
    }

    // Closes the active segment (its records are flushed already when durable; flushed here when not) and starts the
    // next one, whose header and name are durable before any record goes into it.
    private LogSegment Roll(LogSegment active, long nextIndex)
    {
        if (!_options.Durable)
        {
            active.File.Flush(flushToDisk: true);
        }

        var next = LogSegment.Create(_options.Directory, nextIndex);
        _segments.Add(next);
        return next;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LogRecord>> ReadAsync(long afterIndex, int max, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        cancellationToken.ThrowIfCancellationRequested();
        if (afterIndex >= Volatile.Read(ref _lastIndex))
        {
            return ValueTask.FromResult<IReadOnlyList<LogRecord>>([]);
        }

        lock (_gate)
        {
            var first = _segments[0].FirstIndex;
            if (afterIndex + 1 < first)
            {
                throw new LogTruncatedException(first);
            }

            var records = new List<LogRecord>();
            var segment = _segments.FindLastIndex(s => s.FirstIndex <= afterIndex + 1);
            for (var index = afterIndex + 1; index <= _lastIndex && records.Count < max; index++)
            {
                while (index > _segments[segment].LastIndex)
                {
                    segment++;
                }

                try
                {
                    records.Add(new LogRecord(index, _segments[segment].Read(index)));
                }
                catch (InvalidDataException ex)
                {
                    throw new CorruptException($"The log in '{_options.Directory}' cannot be read back: {ex.Message}.");
                }
                catch (IOException ex)
                {
                    throw new UnavailableException($"The log in '{_options.Directory}' cannot be read: {ex.Message}", ex);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<LogRecord>>(records);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> LastIndexAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(Volatile.Read(ref _lastIndex));
    }

    /// <inheritdoc />
    public ValueTask TruncateAsync(long throughIndex, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var removed = false;
        lock (_gate)
        {
            var covered = _snapshot?.Index ?? 0;
            if (throughIndex > covered)
            {
                throw new ArgumentOutOfRangeException(nameof(throughIndex), $"Cannot truncate through index {throughIndex}: the latest snapshot covers the entries through {covered} only.");
            }

            // Whole segments only, and never the active one.
            while (_segments.Count > 1 && _segments[1].FirstIndex <= throughIndex + 1)
            {
                var segment = _segments[0];
                _segments.RemoveAt(0);
                segment.Dispose();
                File.Delete(segment.Path);
                removed = true;
            }
        }

        if (removed)
        {
            SyncFile.Directory(_options.Directory);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Closes the segments and releases the directory.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            _segments.Clear();
        }

        _lockFile.Dispose();
        return ValueTask.CompletedTask;
    }

    private UnavailableException Unwritable(Exception failure) =>
        new($"The log in '{_options.Directory}' cannot be written ({failure.Message}); writes fail until Cairn is restarted with the disk fixed. Reads go on.", failure);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log in {Directory} open: entries {First} to {Last}, snapshot at {Snapshot}")]
    private static partial void LogOpened(ILogger logger, string directory, long first, long last, long snapshot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log segment {Segment}: cut {Bytes} bytes of a torn tail at offset {Offset}, after the last whole record (index {LastIndex}): {Reason}. No confirmed write is lost: a record is confirmed only once whole and flushed")]
    private static partial void LogTornTail(ILogger logger, string segment, long bytes, long offset, long lastIndex, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Writing the log in {Directory} failed at index {Index}; writes fail until the process is restarted, reads go on")]
    private static partial void LogAppendFailed(ILogger logger, string directory, long index, Exception exception);
}

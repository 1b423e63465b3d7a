using System.Collections.Concurrent;
using System.Threading.Channels;
using Cairn.Core;
using Cairn.Storage.Space;
using Cairn.Storage.Watching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Sqlite;

/// <summary>
/// The embedded keyspace: SQLite in WAL mode. Every write goes through one writer that group-commits (writes waiting
/// at the same moment share one transaction and one fsync, and each is acknowledged only after that commit). Reads
/// run on pooled read-only connections, each in its own snapshot.
/// </summary>
public sealed partial class SqliteKeyspace : IKeyspace, ISpaceReporting
{
    private readonly SqliteKeyspaceOptions _options;
    private readonly string _connectionString;
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly Channel<PendingWrite> _writes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private WatchHub _hub = null!;
    private Task _sweeper = Task.CompletedTask;
    private int _pooledReaders;
    private Task _writerLoop = Task.CompletedTask;
    private SqliteSession _writer = null!;
    private long _revision;
    private long _compactRevision;
    private int _disposed;

    private SqliteKeyspace(SqliteKeyspaceOptions options, ILogger? logger)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = options.Time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Pooling = false,
            Mode = SqliteOpenMode.ReadWriteCreate,
        }.ToString();
        _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    }

    /// <summary>The backend's name in status reports.</summary>
    public const string BackendName = "sqlite";

    /// <summary>The newest schema version this build reads and writes (<c>meta.schema_version</c>).</summary>
    public const int SchemaVersion = Schema.Version;

    /// <summary>Opens (creating if needed) the store at <see cref="SqliteKeyspaceOptions.Path"/>.</summary>
    /// <remarks>A store of an older schema version is copied beside itself (<c>cairn.db.v1-backup-&lt;utc&gt;</c>) and
    /// migrated forward; one of a newer version is refused.</remarks>
    /// <exception cref="UnavailableException">The file cannot be created or opened, is not a Cairn store, or was written by
    /// a newer Cairn (its schema version is above <see cref="SchemaVersion"/>).</exception>
    public static Task<SqliteKeyspace> OpenAsync(SqliteKeyspaceOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var store = new SqliteKeyspace(options, logger);
        SqliteMetrics.EnsureCreated();
        try
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            store._writer = new SqliteSession(store._connectionString, readOnly: false, options.Durability);
            store._writer.Execute("PRAGMA journal_mode = WAL;");
            // Checkpoints run on their own connection (CheckpointLoopAsync), never inside the writer's commits.
            store._writer.Execute("PRAGMA wal_autocheckpoint = 0;");
            PrepareSchema(store._writer, options.Path, store._logger);
            (store._revision, store._compactRevision) = store._writer.ReadMeta();
            store._hub = new WatchHub(new History(store), store._revision, new WatchHubOptions
            {
                CapacityEvents = options.WatchCacheEvents,
                DefaultProgressInterval = options.DefaultProgressInterval,
                Time = options.Time,
            });
            store.LoadLeases();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            store._writer?.Dispose();
            throw new UnavailableException($"Cannot open the store at '{options.Path}': {ex.Message}", ex);
        }
        catch (UnavailableException)
        {
            store._writer?.Dispose();
            throw;
        }

        store._writerLoop = Task.Run(store.WriteLoopAsync, CancellationToken.None);
        store._sweeper = Task.Run(() => store.SweepLeasesAsync(store._stopping.Token), CancellationToken.None);
        store._checkpointer = Task.Run(() => store.CheckpointLoopAsync(store._stopping.Token), CancellationToken.None);
        return Task.FromResult(store);
    }

    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ArgumentNullException.ThrowIfNull(request);
            cancellationToken.ThrowIfCancellationRequested();
            if (request is { Revision: 0, CountOnly: false } && request.Range.IsSingleKey)
            {
                return ValueTask.FromResult(Read(session => session.GetLatest(request.Range.Key, request.KeysOnly), snapshot: false));
            }

            return ValueTask.FromResult(Read(session => RangeIn(session, request)));
        });

    /// <inheritdoc />
    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Keys.Validate(request.Key);
            return EnqueueAsync(batch => ApplyPut(batch, request), cancellationToken);
        });

    /// <inheritdoc />
    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ArgumentNullException.ThrowIfNull(request);
            return EnqueueAsync(batch => ApplyDelete(batch, request), cancellationToken);
        });

    /// <inheritdoc />
    public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            TxnValidation.Validate(request);
            if (request.IsReadOnly)
            {
                // Both branches only read: one snapshot gives the same atomicity without queueing behind writers.
                cancellationToken.ThrowIfCancellationRequested();
                return ValueTask.FromResult(Read(session => ApplyTxn(session, request, batch: null)));
            }

            return EnqueueAsync(batch => ApplyTxn(batch.Session, request, batch), cancellationToken);
        });

    /// <inheritdoc />
    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            if (revision <= 0)
            {
                throw new InvalidArgumentException($"Compaction revision must be positive; got {revision}.");
            }

            return EnqueueAsync(batch => ApplyCompact(batch, revision), cancellationToken);
        });

    /// <inheritdoc />
    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(session =>
            {
                var (revision, compact) = session.ReadMeta();
                var keys = (long)session.Command("SELECT count(*) FROM kv").ExecuteScalar()!;
                var pageSize = (long)session.Command("PRAGMA page_size").ExecuteScalar()!;
                return new StoreStatus(revision, compact, keys, SizeOnDisk(), BackendName) { PageSize = pageSize };
            }));
        });

    // Errors of validation surface as a faulted task, never as a synchronous throw from an async-looking method.
    private static ValueTask<T> Run<T>(Func<ValueTask<T>> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<T>(ex);
        }
    }

    private long SizeOnDisk()
    {
        long total = 0;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var file = new FileInfo(_options.Path + suffix);
            if (file.Exists)
            {
                total += file.Length;
            }
        }

        return total;
    }

    private static RangeResult RangeIn(SqliteSession session, RangeRequest request)
    {
        var (current, compact) = session.ReadMeta();
        var at = Revisions.Resolve(request.Revision, current, compact);
        return session.Range(request, at, current);
    }

    // Runs a read on a pooled connection, in one snapshot: an explicit transaction, unless the read is a single
    // statement (which SQLite already runs in one snapshot).
    private T Read<T>(Func<SqliteSession, T> read, bool snapshot = true)
    {
        ThrowIfDisposed();
        var session = RentReader();
        var healthy = true;
        try
        {
            if (!snapshot)
            {
                return read(session);
            }

            session.Command("BEGIN").ExecuteNonQuery();
            try
            {
                return read(session);
            }
            finally
            {
                session.Command("COMMIT").ExecuteNonQuery();
            }
        }
        catch (SqliteException ex)
        {
            healthy = false;
            throw new UnavailableException($"The store could not be read: {ex.Message}", ex);
        }
        finally
        {
            ReturnReader(session, healthy);
        }
    }

    private SqliteSession RentReader()
    {
        if (_readers.TryTake(out var session))
        {
            Interlocked.Decrement(ref _pooledReaders);
            return session;
        }

        return new SqliteSession(_connectionString, readOnly: true, _options.Durability);
    }

    private void ReturnReader(SqliteSession session, bool healthy)
    {
        if (healthy && Volatile.Read(ref _disposed) == 0)
        {
            if (Interlocked.Increment(ref _pooledReaders) <= _options.ReadPoolSize)
            {
                _readers.Add(session);
                return;
            }

            Interlocked.Decrement(ref _pooledReaders);
        }

        session.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new UnavailableException("The store is closed.");
        }
    }

    /// <summary>Stops accepting writes, finishes those queued, and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Every watch ends now, with "the store is closed", instead of waiting for changes that will not come.
        _hub.Close();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(false);
        await _checkpointer.ConfigureAwait(false);
        _writes.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);

        try
        {
            _writer.Execute("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException ex)
        {
            // A full disk (or a reader still open): the WAL keeps every write and the next open replays it.
            LogCheckpointFailed(_logger, ex.Message);
        }

        _writer.Dispose();
        while (_readers.TryTake(out var session))
        {
            session.Dispose();
        }

        _stopping.Dispose();
    }
}

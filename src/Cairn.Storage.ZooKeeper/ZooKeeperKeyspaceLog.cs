using System.Buffers.Binary;
using System.Text;
using Cairn.Core;
using Cairn.Storage.Replicated;
using Cairn.ZooKeeper;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.ZooKeeper;

/// <summary>
/// The replicated keyspace's log, kept in ZooKeeper (the layout is in <c>docs/zookeeper.md</c>):
/// <code>
/// ROOT              "cairn-keyspace/1"
/// ROOT/head         the last index (8 bytes); its version equals that index, which makes it the append's compare-and-set
/// ROOT/first        the first index not truncated
/// ROOT/log/B/I      entry I (bucket B = I / 10,000), data: 0 + the entry, or 1 + a chunk header
/// ROOT/chunks/D/cN  the chunks of an entry longer than a znode may be (D: index-writer)
/// ROOT/snapshot     the latest snapshot's header; ROOT/snapshots/D/cN its chunks
/// </code>
/// An append is one multi: check ROOT/head at version I−1, create the entry, set ROOT/head to I. Entries are read by
/// name (indexes are dense), never by listing a parent, so no child list nears ZooKeeper's 1 MB reply limit.
/// </summary>
internal sealed partial class ZooKeeperKeyspaceLog : IKeyspaceLog
{
    private const string FormatMarker = "cairn-keyspace/1";
    private const long BucketSize = 10_000;
    private const int ReadBatch = 256;

    // How long a request waits for a session that lost its connection before it fails as unavailable.
    private TimeSpan FailFastGrace => _options.RequestTimeout < TimeSpan.FromSeconds(2) ? _options.RequestTimeout : TimeSpan.FromSeconds(2);

    private readonly ZooKeeperKeyspaceOptions _options;
    private readonly ZooKeeperConnection _connection;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly string _head;
    private readonly string _first;
    private readonly string _log;
    private readonly string _chunks;
    private readonly string _snapshot;
    private readonly string _snapshots;
    private readonly IReadOnlyList<Acl> _acl;
    private readonly Lock _readIndexGate = new();
    private TaskCompletionSource<long>? _nextRound; // callers waiting for a read-index round not sent yet
    private bool _roundInFlight;

    private ZooKeeperKeyspaceLog(ZooKeeperKeyspaceOptions options, ZooKeeperConnection connection, ILogger logger)
    {
        _options = options;
        _connection = connection;
        _logger = logger;
        _root = options.Root.TrimEnd('/');
        _head = _root + "/head";
        _first = _root + "/first";
        _log = _root + "/log";
        _chunks = _root + "/chunks";
        _snapshot = _root + "/snapshot";
        _snapshots = _root + "/snapshots";
        _acl = ZooKeeperConnection.AclFor(options);
        _connection.Watched += OnWatched;
        _connection.Renewed += OnRenewed;
    }

    /// <inheritdoc />
    public Action? Grown { get; set; }

    /// <summary>The connect string, for messages.</summary>
    public string Where => _options.ConnectString + _root;

    /// <summary>Connects, makes the layout under <see cref="ZooKeeperKeyspaceOptions.Root"/> if it is not there, checks
    /// that it is a keyspace's and that the credentials reach it, and watches the head.</summary>
    /// <exception cref="ZooKeeperBackendException">A setting is wrong (connect string, chroot, credentials, a root that
    /// holds something else): waiting will not help.</exception>
    /// <exception cref="UnavailableException">ZooKeeper does not answer.</exception>
    public static async Task<ZooKeeperKeyspaceLog> OpenAsync(ZooKeeperKeyspaceOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Root) || options.Root[0] != '/' || options.Root == "/" || options.Root.EndsWith('/') || options.Root.Contains("//", StringComparison.Ordinal))
        {
            throw new ZooKeeperBackendException($"ZooKeeper:Root must be an absolute znode path below / such as /cairn; got '{options.Root}'.");
        }

        var connection = await ZooKeeperConnection.OpenAsync(options, logger, cancellationToken).ConfigureAwait(false);
        var log = new ZooKeeperKeyspaceLog(options, connection, logger);
        try
        {
            await log.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return log;
        }
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await WithRetryAsync("make the keyspace's znodes", async (zk, ct) =>
        {
            // The root's ancestors, then the root with its children in one multi (so a half-made layout never exists).
            var parts = _root.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var path = "";
            for (var i = 0; i < parts.Length - 1; i++)
            {
                path += "/" + parts[i];
                try
                {
                    await zk.CreateAsync(path, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (NodeExistsException)
                {
                }
            }

            var rootStat = await zk.ExistsAsync(_root, cancellationToken: ct).ConfigureAwait(false);
            var ops = new List<Op>();
            if (rootStat is null)
            {
                ops.Add(Op.Create(_root, Encoding.UTF8.GetBytes(FormatMarker), CreateMode.Persistent, _acl));
            }
            else
            {
                var root = await zk.GetDataAsync(_root, cancellationToken: ct).ConfigureAwait(false);
                var marker = Encoding.UTF8.GetString(root.Data);
                if (marker == FormatMarker)
                {
                    return 0;
                }

                if (root.Data.Length != 0 || root.Stat.NumChildren != 0)
                {
                    throw new ZooKeeperBackendException(
                        $"The znode {_root} on {_options.ConnectString} holds something that is not a Cairn keyspace; choose another ZooKeeper:Root.");
                }

                ops.Add(Op.SetData(_root, Encoding.UTF8.GetBytes(FormatMarker), root.Stat.Version));
            }

            ops.Add(Op.Create(_head, Index(0), CreateMode.Persistent, _acl));
            ops.Add(Op.Create(_first, Index(1), CreateMode.Persistent, _acl));
            ops.Add(Op.Create(_log, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl));
            ops.Add(Op.Create(_chunks, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl));
            ops.Add(Op.Create(_snapshots, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl));
            ops.Add(Op.Create(_snapshot, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl));
            var result = await zk.MultiAsync(ops, ct).ConfigureAwait(false);
            if (!result.Succeeded && !result.Results.Any(r => r is ErrorOpResult { Code: ZooKeeperErrorCode.NodeExists or ZooKeeperErrorCode.BadVersion }))
            {
                result.ThrowIfFailed(); // another node making the same layout at the same time is fine; anything else is not
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);

        // Reading every part of the layout proves the credentials reach it (ZooKeeper takes any digest and answers NoAuth later).
        await WithRetryAsync("read the keyspace's head", async (zk, ct) =>
        {
            await zk.GetDataAsync(_head, cancellationToken: ct).ConfigureAwait(false);
            await zk.GetDataAsync(_first, cancellationToken: ct).ConfigureAwait(false);
            await zk.AddWatchAsync(_head, AddWatchMode.Persistent, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAppendAsync(long afterIndex, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        var index = afterIndex + 1;
        string? chunkDir = null;
        byte[] node;
        if (entry.Length + 1 <= _options.ChunkBytes)
        {
            node = new byte[entry.Length + 1];
            entry.Span.CopyTo(node.AsSpan(1));
        }
        else
        {
            chunkDir = $"{index:D19}-{Guid.NewGuid():N}";
            var count = await WriteChunksAsync(_chunks + "/" + chunkDir, entry, cancellationToken).ConfigureAwait(false);
            node = ChunkHeader(chunkDir, entry.Length, count);
        }

        var ops = new List<Op>(4) { Op.Check(_head, unchecked((int)afterIndex)) };
        if (index == 1 || index % BucketSize == 0)
        {
            ops.Add(Op.Create(BucketPath(index), ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl));
        }

        ops.Add(Op.Create(EntryPath(index), node, CreateMode.Persistent, _acl));
        ops.Add(Op.SetData(_head, Index(index)));

        var appended = true == await WithRetryAsync("append to the log", async (zk, ct) =>
        {
            MultiResult result;
            try
            {
                result = await zk.MultiAsync(ops, ct).ConfigureAwait(false);
            }
            catch (ConnectionLossException)
            {
                // The reply was lost: the multi may have been applied or not. Sending it again settles it — it succeeds
                // only if the first did not; if the head moved, the entry at our index tells whose it is.
                return (bool?)null;
            }

            if (result.Succeeded)
            {
                return true;
            }

            if (result.Results.Any(r => r is ErrorOpResult { Code: ZooKeeperErrorCode.BadVersion or ZooKeeperErrorCode.NodeExists }))
            {
                return await IsOursAsync(zk, index, node, ct).ConfigureAwait(false);
            }

            result.ThrowIfFailed();
            return false;
        }, cancellationToken, retryOnNull: true).ConfigureAwait(false);

        if (!appended && chunkDir is not null)
        {
            _ = DeleteTreeQuietlyAsync(_chunks + "/" + chunkDir);
        }

        return appended;
    }

    // After a failed compare: the entry at our index is ours if an earlier try (whose reply was lost) wrote it.
    private async Task<bool?> IsOursAsync(ZooKeeperClient zk, long index, byte[] node, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await zk.GetDataAsync(EntryPath(index), cancellationToken: cancellationToken).ConfigureAwait(false);
            return existing.Data.AsSpan().SequenceEqual(node);
        }
        catch (NoNodeException)
        {
            return false; // the head is past our afterIndex but the entry is gone: truncated, and not ours (we just tried)
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<LogRecord>> ReadAsync(long afterIndex, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterIndex);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return await WithRetryAsync("read the log", async (zk, ct) =>
        {
            var head = ParseIndex((await zk.GetDataAsync(_head, cancellationToken: ct).ConfigureAwait(false)).Data);
            var count = (int)Math.Min(Math.Min(max, ReadBatch), head - afterIndex);
            if (count <= 0)
            {
                return (IReadOnlyList<LogRecord>)[];
            }

            // Issued together: ZooKeeper answers a session's requests in order, one round trip for the lot.
            var reads = new Task<NodeData>[count];
            for (var i = 0; i < count; i++)
            {
                reads[i] = zk.GetDataAsync(EntryPath(afterIndex + 1 + i), cancellationToken: ct);
            }

            var records = new List<LogRecord>(count);
            for (var i = 0; i < count; i++)
            {
                NodeData data;
                try
                {
                    data = await reads[i].ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                    if (i == 0)
                    {
                        var first = ParseIndex((await zk.GetDataAsync(_first, cancellationToken: ct).ConfigureAwait(false)).Data);
                        if (afterIndex + 1 < first)
                        {
                            throw new LogTruncatedException(first);
                        }

                        throw new CorruptException($"The keyspace log at {Where} has no entry {afterIndex + 1} below its head {head}.");
                    }

                    break; // truncated while we read; the caller asks again from here
                }

                records.Add(new LogRecord(afterIndex + 1 + i, await DecodeAsync(zk, data.Data, ct).ConfigureAwait(false)));
            }

            // Let the other requests' replies be consumed even if we stopped early.
            for (var i = records.Count; i < count; i++)
            {
                _ = reads[i].ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }

            return records;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Concurrent callers share round trips, as etcd batches its read-index requests: a caller joins the next round,
    /// which is sent only after it joined, so the round's answer covers every append acknowledged before the caller
    /// called; while one round is out, those who arrive wait for the next. One sync and one read serve them all.
    /// </remarks>
    public async ValueTask<long> LastIndexAsync(CancellationToken cancellationToken = default)
    {
        Task<long> round;
        var start = false;
        lock (_readIndexGate)
        {
            _nextRound ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            round = _nextRound.Task;
            if (!_roundInFlight)
            {
                _roundInFlight = true;
                start = true;
            }
        }

        if (start)
        {
            _ = RunReadIndexRoundsAsync();
        }

        return await round.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunReadIndexRoundsAsync()
    {
        while (true)
        {
            TaskCompletionSource<long> round;
            lock (_readIndexGate)
            {
                if (_nextRound is null)
                {
                    _roundInFlight = false;
                    return;
                }

                round = _nextRound;
                _nextRound = null;
            }

            try
            {
                round.TrySetResult(await ReadHeadLinearizablyAsync().ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                round.TrySetException(ex);
            }
        }
    }

    private async Task<long> ReadHeadLinearizablyAsync() =>
        await WithRetryAsync("read the log's head", async (zk, ct) =>
        {
            // sync makes the server we talk to catch up with the leader; the read queued behind it then sees every
            // append acknowledged before the round was sent. One round trip: both are sent before the first reply.
            var sync = zk.SyncAsync(_head, ct);
            var head = zk.GetDataAsync(_head, cancellationToken: ct);
            await sync.ConfigureAwait(false);
            return ParseIndex((await head.ConfigureAwait(false)).Data);
        }, CancellationToken.None).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask WriteSnapshotAsync(long index, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        var dir = $"{index:D19}-{Guid.NewGuid():N}";
        var count = await WriteChunksAsync(_snapshots + "/" + dir, snapshot, cancellationToken).ConfigureAwait(false);
        var header = SnapshotHeader(index, dir, snapshot.Length, count);
        var previous = await WithRetryAsync("write the snapshot", async (zk, ct) =>
        {
            while (true)
            {
                var current = await zk.GetDataAsync(_snapshot, cancellationToken: ct).ConfigureAwait(false);
                (long Index, string Dir, long Length, int Count)? old = current.Data.Length == 0 ? null : ParseSnapshotHeader(current.Data);
                if (old is { } o && o.Index >= index)
                {
                    return dir; // a newer snapshot is there already: ours is not needed
                }

                try
                {
                    await zk.SetDataAsync(_snapshot, header, current.Stat.Version, ct).ConfigureAwait(false);
                    return old?.Dir;
                }
                catch (BadVersionException)
                {
                    // another node switched meanwhile; look again
                }
            }
        }, cancellationToken).ConfigureAwait(false);

        if (previous is not null)
        {
            await DeleteTreeQuietlyAsync(_snapshots + "/" + previous).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<LogSnapshot?> ReadSnapshotAsync(CancellationToken cancellationToken = default) =>
        await WithRetryAsync("read the snapshot", async (zk, ct) =>
        {
            for (var attempt = 0; ; attempt++)
            {
                var current = await zk.GetDataAsync(_snapshot, cancellationToken: ct).ConfigureAwait(false);
                if (current.Data.Length == 0)
                {
                    return null;
                }

                var header = ParseSnapshotHeader(current.Data);
                try
                {
                    var data = await ReadChunksAsync(zk, _snapshots + "/" + header.Dir, header.Length, header.Count, ct).ConfigureAwait(false);
                    return new LogSnapshot(header.Index, data);
                }
                catch (NoNodeException) when (attempt < 10)
                {
                    // replaced by a newer snapshot while we read it; read that one
                }
            }
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask TruncateAsync(long throughIndex, CancellationToken cancellationToken = default)
    {
        var first = await WithRetryAsync("truncate the log", async (zk, ct) =>
        {
            while (true)
            {
                var current = await zk.GetDataAsync(_first, cancellationToken: ct).ConfigureAwait(false);
                var from = ParseIndex(current.Data);
                if (throughIndex < from)
                {
                    return from;
                }

                try
                {
                    // First the marker, so a reader that misses an entry knows it was truncated, not lost.
                    await zk.SetDataAsync(_first, Index(throughIndex + 1), current.Stat.Version, ct).ConfigureAwait(false);
                    return from;
                }
                catch (BadVersionException)
                {
                }
            }
        }, cancellationToken).ConfigureAwait(false);

        for (var start = first; start <= throughIndex; start += ReadBatch)
        {
            var end = Math.Min(throughIndex, start + ReadBatch - 1);
            await WithRetryAsync("delete truncated entries", async (zk, ct) =>
            {
                var deletes = new List<Task>();
                for (var i = start; i <= end; i++)
                {
                    deletes.Add(IgnoreMissingAsync(zk.DeleteAsync(EntryPath(i), cancellationToken: ct)));
                    if ((i + 1) % BucketSize == 0)
                    {
                        deletes.Add(IgnoreMissingAsync(zk.DeleteAsync(BucketPath(i), cancellationToken: ct)));
                    }
                }

                await Task.WhenAll(deletes).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }

        // Chunk directories of entries now gone, and those of appends that lost their race at such an index.
        var dirs = await WithRetryAsync("list entry chunks", async (zk, ct) =>
            (await zk.GetChildrenAsync(_chunks, cancellationToken: ct).ConfigureAwait(false)).Children, cancellationToken).ConfigureAwait(false);
        foreach (var dir in dirs)
        {
            if (long.TryParse(dir.AsSpan(0, Math.Min(19, dir.Length)), out var index) && index <= throughIndex)
            {
                await DeleteTreeQuietlyAsync(_chunks + "/" + dir).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _connection.Watched -= OnWatched;
        _connection.Renewed -= OnRenewed;
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private void OnWatched(WatchedEvent e)
    {
        if ((e.Kind == WatchEventKind.NodeDataChanged && e.Path == _head) || (e.Kind == WatchEventKind.None && e.State == ZooKeeperState.Connected))
        {
            Grown?.Invoke();
        }
    }

    // A new session (the old one expired): its watches are gone; watch the head again and let the replica look.
    private async Task OnRenewed(ZooKeeperClient zk, CancellationToken cancellationToken)
    {
        await zk.AddWatchAsync(_head, AddWatchMode.Persistent, cancellationToken).ConfigureAwait(false);
        Grown?.Invoke();
    }

    private string BucketPath(long index) => $"{_log}/{index / BucketSize:D15}";

    private string EntryPath(long index) => $"{BucketPath(index)}/{index:D19}";

    private async Task<ReadOnlyMemory<byte>> DecodeAsync(ZooKeeperClient zk, byte[] node, CancellationToken cancellationToken)
    {
        if (node.Length == 0)
        {
            throw new CorruptException($"An entry of the keyspace log at {Where} is empty.");
        }

        switch (node[0])
        {
            case 0:
                return node.AsMemory(1);
            case 1:
                var (dir, length, count) = ParseChunkHeader(node);
                return await ReadChunksAsync(zk, _chunks + "/" + dir, length, count, cancellationToken).ConfigureAwait(false);
            default:
                throw new CorruptException($"An entry of the keyspace log at {Where} has an unknown kind {node[0]}.");
        }
    }

    // Writes data as children c000000… of a new znode dir, ChunkBytes each, all requests in flight at once.
    private async Task<int> WriteChunksAsync(string dir, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var chunk = Math.Max(1024, _options.ChunkBytes - 1024);
        var count = (int)((data.Length + chunk - 1) / chunk);
        await WithRetryAsync("write chunks", async (zk, ct) =>
        {
            var writes = new List<Task> { IgnoreExistingAsync(zk.CreateAsync(dir, ReadOnlyMemory<byte>.Empty, CreateMode.Persistent, _acl, cancellationToken: ct)) };
            for (var i = 0; i < count; i++)
            {
                var part = data.Slice(i * chunk, Math.Min(chunk, data.Length - (i * chunk)));
                writes.Add(IgnoreExistingAsync(zk.CreateAsync($"{dir}/c{i:D6}", part, CreateMode.Persistent, _acl, cancellationToken: ct)));
            }

            await Task.WhenAll(writes).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadChunksAsync(ZooKeeperClient zk, string dir, long length, int count, CancellationToken cancellationToken)
    {
        var reads = new Task<NodeData>[count];
        for (var i = 0; i < count; i++)
        {
            reads[i] = zk.GetDataAsync($"{dir}/c{i:D6}", cancellationToken: cancellationToken);
        }

        var result = new byte[length];
        var at = 0;
        foreach (var read in reads)
        {
            var part = (await read.ConfigureAwait(false)).Data;
            if (at + part.Length > length)
            {
                throw new CorruptException($"The chunks under {dir} hold more than the {length} bytes their header says.");
            }

            part.CopyTo(result, at);
            at += part.Length;
        }

        if (at != length)
        {
            throw new CorruptException($"The chunks under {dir} hold {at} bytes, not the {length} their header says.");
        }

        return result;
    }

    private async Task DeleteTreeQuietlyAsync(string dir)
    {
        try
        {
            await WithRetryAsync("delete " + dir, async (zk, ct) =>
            {
                IReadOnlyList<string> children;
                try
                {
                    children = (await zk.GetChildrenAsync(dir, cancellationToken: ct).ConfigureAwait(false)).Children;
                }
                catch (NoNodeException)
                {
                    return 0;
                }

                await Task.WhenAll(children.Select(c => IgnoreMissingAsync(zk.DeleteAsync(dir + "/" + c, cancellationToken: ct)))).ConfigureAwait(false);
                await IgnoreMissingAsync(zk.DeleteAsync(dir, cancellationToken: ct)).ConfigureAwait(false);
                return 0;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UnavailableException or ZooKeeperException)
        {
            LogCleanupFailed(_logger, dir, ex.Message); // left for the next truncation
        }
    }

    private static async Task IgnoreMissingAsync(Task delete)
    {
        try
        {
            await delete.ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
        }
    }

    private static async Task IgnoreExistingAsync(Task<string> create)
    {
        try
        {
            await create.ConfigureAwait(false);
        }
        catch (NodeExistsException)
        {
            // written by an earlier try whose reply was lost
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the current session until it gives an answer, for at most
    /// <see cref="ZooKeeperKeyspaceOptions.RequestTimeout"/>: through lost connections (the client reconnects within
    /// the session) and expired sessions (a new one is made). A null answer with <paramref name="retryOnNull"/> means
    /// "outcome unknown, run it again".
    /// </summary>
    private async Task<T> WithRetryAsync<T>(string what, Func<ZooKeeperClient, CancellationToken, Task<T?>> operation, CancellationToken cancellationToken, bool retryOnNull = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deadline = Environment.TickCount64 + (long)_options.RequestTimeout.TotalMilliseconds;
        timeout.CancelAfter(_options.RequestTimeout);

        // A session without a connection for longer than the grace is not waited on: a dead ensemble answers 503 at
        // once, not after every request's own timeout (requests queue behind each other). The grace covers a move to
        // another server of a live ensemble.
        var grace = FailFastGrace;
        void ShortenIfDown()
        {
            if (_connection.DownFor is { } down)
            {
                var left = Math.Min(deadline - Environment.TickCount64, (long)(grace - down).TotalMilliseconds);
                try
                {
                    timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(0, left)));
                }
                catch (ObjectDisposedException)
                {
                    // the request is over
                }
            }
        }

        Exception? last = null;
        while (true)
        {
            try
            {
                ShortenIfDown();
                using var onDown = _connection.RegisterDown(ShortenIfDown);
                var zk = await _connection.CurrentAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    var result = await operation(zk, timeout.Token).ConfigureAwait(false);
                    if (result is not null || !retryOnNull)
                    {
                        return result!;
                    }
                }
                catch (ConnectionLossException ex)
                {
                    last = ex;
                }
                catch (SessionExpiredException ex)
                {
                    last = ex;
                    _connection.Expired(zk);
                }
                catch (NoAuthException ex)
                {
                    throw new ZooKeeperBackendException(
                        $"ZooKeeper refused access to {ex.Path ?? _root} on {_options.ConnectString} (NoAuth): check ZooKeeper:Digest.", ex);
                }

                // A pause before the next try, so a flapping connection is not hammered.
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                if (_connection.DownFor is { } down && Environment.TickCount64 < deadline)
                {
                    throw new UnavailableException(
                        $"ZooKeeper ({_options.ConnectString}) has been unreachable for {down.TotalSeconds:0.#} s ({what}).", last)
                    { RetryAfter = TimeSpan.FromSeconds(1) };
                }

                throw new UnavailableException(
                    $"ZooKeeper ({_options.ConnectString}) did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s ({what})" +
                    (last is null ? "." : $": {last.Message}"), last)
                { RetryAfter = TimeSpan.FromSeconds(1) };
            }
        }
    }

    private static byte[] Index(long index)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, index);
        return bytes;
    }

    private long ParseIndex(byte[] data) =>
        data.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(data) : throw new CorruptException($"An index znode of the keyspace at {Where} is not 8 bytes long.");

    private static byte[] ChunkHeader(string dir, long length, int count)
    {
        var name = Encoding.UTF8.GetBytes(dir);
        var header = new byte[1 + 8 + 4 + name.Length];
        header[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(1), length);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(9), count);
        name.CopyTo(header, 13);
        return header;
    }

    private (string Dir, long Length, int Count) ParseChunkHeader(byte[] header)
    {
        if (header.Length < 14)
        {
            throw new CorruptException($"A chunked entry of the keyspace log at {Where} has a short header.");
        }

        return (Encoding.UTF8.GetString(header.AsSpan(13)), BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(1)), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(9)));
    }

    private static byte[] SnapshotHeader(long index, string dir, long length, int count)
    {
        var chunk = ChunkHeader(dir, length, count);
        var header = new byte[8 + chunk.Length];
        BinaryPrimitives.WriteInt64BigEndian(header, index);
        chunk.CopyTo(header, 8);
        return header;
    }

    private (long Index, string Dir, long Length, int Count) ParseSnapshotHeader(byte[] header)
    {
        if (header.Length < 22)
        {
            throw new CorruptException($"The snapshot header of the keyspace at {Where} is short.");
        }

        var (dir, length, count) = ParseChunkHeader(header[8..]);
        return (BinaryPrimitives.ReadInt64BigEndian(header), dir, length, count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Path} from ZooKeeper ({Reason}); the next truncation tries again")]
    private static partial void LogCleanupFailed(ILogger logger, string path, string reason);
}

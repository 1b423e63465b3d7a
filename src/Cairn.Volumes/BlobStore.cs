using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Volumes;

/// <summary>
/// Blobs: bodies streamed into this node's volume directories (or inline in the keyspace when small), metadata as keys
/// in the keyspace. A body is written, checksummed and fsynced before its key is committed; a crash in between leaves a
/// file no key refers to, removed after <see cref="VolumeOptions.OrphanGrace"/>. Any node serves any key: a body held
/// by another node is fetched through <see cref="IBlobRemote"/>.
/// </summary>
/// <remarks>Concurrency: every member is safe to call from any thread. Writers of one key race through a compare on
/// the metadata's mod revision: exactly one wins, the losers' files are removed at once.</remarks>
public sealed partial class BlobStore : IAsyncDisposable
{
    private const int MaxAttempts = 16;
    private readonly IKeyspace _store;
    private readonly VolumeOptions _options;
    private readonly IBlobRemote? _remote;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<LocalVolume> _volumes = [];
    private readonly List<Task> _background = [];

    /// <summary>Prepares the store; <see cref="StartAsync"/> opens the volumes and starts the background work.</summary>
    public BlobStore(IKeyspace store, VolumeOptions options, IBlobRemote? remote, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Directories.Count == 0)
        {
            throw new ArgumentException("A blob store needs at least one volume directory.", nameof(options));
        }

        _store = store;
        _options = options;
        _remote = remote;
        _logger = logger;
    }

    /// <summary>Free space and size of a volume's file system; replaceable so that tests can steer placement.</summary>
    internal Func<string, (long Free, long Total)> SpaceProbe { get; set; } = Cairn.Core.IO.DiskSpace.Of;

    private TimeProvider Time => _options.Time;

    /// <summary>Opens (and first time: initialises) every volume directory, registers them, removes the files whose
    /// keys are gone, and starts watching for removals and refreshing the registrations.</summary>
    /// <exception cref="IOException">A volume directory cannot be used.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var volumes = new List<LocalVolume>();
        foreach (var directory in _options.Directories.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            try
            {
                volumes.Add(LocalVolume.Open(directory));
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new IOException($"Cannot use volume directory '{directory}': {ex.Message}", ex);
            }
        }

        if (volumes.DistinctBy(v => v.Id).Count() != volumes.Count)
        {
            throw new IOException("Two volume directories have the same volume id (one was copied from the other); give each its own.");
        }

        _volumes = volumes;
        try
        {
            await RegisterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            // The store is unreachable or out of space: serve what there is; the report loop registers later.
            LogReportFailed(_logger, ex.Message);
        }
        foreach (var volume in _volumes)
        {
            _background.Add(Task.Run(() => ReapLoopAsync(volume, _stop.Token), CancellationToken.None));
        }

        _background.Add(Task.Run(() => ReportLoopAsync(_stop.Token), CancellationToken.None));
    }

    /// <summary>The volume directories this store was given.</summary>
    public IReadOnlyList<string> Directories => _options.Directories;

    /// <summary>The local volumes: id → directory.</summary>
    public IReadOnlyDictionary<string, string> LocalVolumes => _volumes.ToDictionary(v => v.Id, v => v.Directory);

    /// <summary>Stores <paramref name="body"/> under <paramref name="key"/>, streaming it with flat memory.</summary>
    /// <exception cref="InvalidArgumentException">A bad key, a TTL out of range, or a body whose length differs from <see cref="BlobPutOptions.ExpectedLength"/>.</exception>
    /// <exception cref="ConflictException"><see cref="BlobPutOptions.IfAbsent"/> and the key exists (the stored blob is untouched).</exception>
    /// <exception cref="PreconditionFailedException"><see cref="BlobPutOptions.IfMatch"/> does not match.</exception>
    /// <exception cref="LimitExceededException">The body exceeds <see cref="VolumeOptions.MaxBlobBytes"/>.</exception>
    /// <exception cref="InsufficientStorageException">No volume has room (see <see cref="VolumeOptions.MinFreeBytes"/>).</exception>
    public async Task<BlobPutResult> PutAsync(string key, Stream body, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        BlobNames.ValidateKey(key);
        options ??= new BlobPutOptions();
        long? ttlSeconds = null;
        if (options.Ttl is { } ttl)
        {
            ttlSeconds = Durations.WholeSeconds(ttl);
            Leases.ValidateTtl(ttlSeconds.Value);
        }

        if (options.ExpectedLength is < 0)
        {
            throw new InvalidArgumentException("A body length cannot be negative.");
        }

        if (_options.MaxBlobBytes is { } max && options.ExpectedLength > max)
        {
            throw new LimitExceededException("blob", options.ExpectedLength.Value, max);
        }

        // Refuse before reading a byte when the answer is already known.
        var current = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
        CheckPreconditions(key, current, options);

        var created = Time.GetUtcNow();
        var expires = ttlSeconds is { } seconds ? created.AddSeconds(seconds) : (DateTimeOffset?)null;
        var stored = await StoreBodyAsync(key, body, options, created, expires, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await OwnLease.RunAsync(_store, ttlSeconds, lease => CommitAsync(key, stored, current, lease, options, cancellationToken), cancellationToken).ConfigureAwait(false);
            BlobMetrics.BytesIn.Add(result.Info.Size);
            return result;
        }
        catch
        {
            DiscardBody(stored);
            throw;
        }
    }

    // Commits the metadata (and file ref) of a stored body under a compare on the key's mod revision; decides again on
    // what is there when someone else wrote the key meanwhile.
    private async Task<BlobPutResult> CommitAsync(string key, StoredBody stored, Current? current, long lease, BlobPutOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var ops = new List<KvRequest>
            {
                new PutRequest(BlobKeys.Meta(key), stored.Meta.Encode()) { Lease = lease },
            };
            if (stored.Volume is { } volume)
            {
                ops.Add(new PutRequest(BlobKeys.Ref(volume.Id, stored.Meta.Blob!), Encoding.UTF8.GetBytes(key)) { Lease = lease });
            }

            if (current?.Meta is { Inline: null, Volume: { } oldVolume, Blob: { } oldBlob })
            {
                ops.Add(new DeleteRequest(KeyRange.Single(BlobKeys.Ref(oldVolume, oldBlob))));
            }

            var compare = Compare.ModRevision(BlobKeys.Meta(key), CompareResult.Equal, current?.Kv.ModRevision ?? 0);
            var result = await _store.TxnAsync(new TxnRequest([compare], ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                var info = stored.Meta.ToInfo(key, new KeyValue(BlobKeys.Meta(key), default, 0, result.Revision, 0, lease));
                await ForgetAsync(current, cancellationToken).ConfigureAwait(false);
                return new BlobPutResult(info, current is null || current.Expired);
            }

            current = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            CheckPreconditions(key, current, options);
            if (attempt >= MaxAttempts)
            {
                throw new UnavailableException($"Could not store blob '{key}': it kept changing under {MaxAttempts} attempts.");
            }
        }
    }

    private static void CheckPreconditions(string key, Current? current, BlobPutOptions options)
    {
        var live = current is { Expired: false } ? current : null;
        if (options.IfAbsent && live is not null)
        {
            throw new ConflictException($"Blob '{key}' already exists; it was left as it is.");
        }

        if (options.IfMatch is { } ifMatch && !Matches(live, ifMatch))
        {
            throw new PreconditionFailedException(key, live?.Kv.ModRevision ?? 0);
        }
    }

    private static bool Matches(Current? live, string ifMatch) =>
        live is not null && (ifMatch.Trim() == "*" || ifMatch.Split(',').Select(e => e.Trim()).Any(e =>
            string.Equals(e.StartsWith("W/", StringComparison.Ordinal) ? e[2..] : e, "\"" + live.Meta.Sha256 + "\"", StringComparison.Ordinal)));

    /// <summary>The blob's metadata; null when there is no such key (or it has expired).</summary>
    public async Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateKey(key);
        var current = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return current is { Expired: false } ? current.Meta.ToInfo(key, current.Kv) : null;
    }

    /// <summary>Opens the blob for reading; null when there is no such key. Reading verifies checksums.</summary>
    public async Task<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateKey(key);
        for (var attempt = 0; ; attempt++)
        {
            var current = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null or { Expired: true })
            {
                return null;
            }

            var info = current.Meta.ToInfo(key, current.Kv);
            if (current.Meta.Inline is { } inline)
            {
                return new InlineBlobReader(info, inline);
            }

            var volume = _volumes.FirstOrDefault(v => v.Id == current.Meta.Volume);
            if (volume is null)
            {
                return new RemoteBlobReader(this, info);
            }

            var path = volume.BlobPath(current.Meta.Blob!);
            SafeFileHandle file;
            try
            {
                file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException) when (attempt == 0)
            {
                // Replaced or deleted between reading the metadata and opening the file: look again.
                continue;
            }
            catch (FileNotFoundException)
            {
                throw new CorruptException($"Blob '{key}' is lost: its file '{path}' is missing from volume {volume.Id}.");
            }

            try
            {
                var trailer = BlobFile.ReadTrailer(file, path);
                if (trailer.Size != info.Size || !string.Equals(trailer.Sha256, info.Sha256, StringComparison.Ordinal))
                {
                    throw new CorruptException($"Blob '{key}' is corrupt: '{path}' does not hold the body its metadata describes.");
                }

                return new LocalBlobReader(info, file, trailer, path);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>Deletes the blob (key now; its file as soon as its node sees it). False when there was no such key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ifMatch">Delete only if the current ETag is this.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<bool> DeleteAsync(string key, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateKey(key);
        for (var attempt = 0; ; attempt++)
        {
            var current = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            if (ifMatch is not null && !Matches(current is { Expired: false } ? current : null, ifMatch))
            {
                throw new PreconditionFailedException(key, current?.Kv.ModRevision ?? 0);
            }

            if (current is null)
            {
                return false;
            }

            var ops = new List<KvRequest> { new DeleteRequest(KeyRange.Single(BlobKeys.Meta(key))) };
            if (current.Meta is { Inline: null, Volume: { } volume, Blob: { } blob })
            {
                ops.Add(new DeleteRequest(KeyRange.Single(BlobKeys.Ref(volume, blob))));
            }

            var compare = Compare.ModRevision(BlobKeys.Meta(key), CompareResult.Equal, current.Kv.ModRevision);
            var result = await _store.TxnAsync(new TxnRequest([compare], ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                await ForgetAsync(current, cancellationToken).ConfigureAwait(false);
                return !current.Expired;
            }

            if (attempt >= MaxAttempts)
            {
                throw new UnavailableException($"Could not delete blob '{key}': it kept changing under {MaxAttempts} attempts.");
            }
        }
    }

    /// <summary>Opens bytes of a file in one of this node's volumes (for <c>/v1/internal/volumes</c> and snapshots),
    /// checking the chunks it covers; null when the volume is not local or the file is not there.</summary>
    /// <exception cref="InvalidArgumentException">The range is outside the body.</exception>
    public Task<Stream?> OpenLocalAsync(string volumeId, string blobId, long offset, long length, CancellationToken cancellationToken = default)
    {
        var volume = _volumes.FirstOrDefault(v => v.Id == volumeId);
        if (volume is null || !BlobNames.IsId(blobId))
        {
            return Task.FromResult<Stream?>(null);
        }

        var path = volume.BlobPath(blobId);
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }

        try
        {
            var trailer = BlobFile.ReadTrailer(file, path);
            if (offset < 0 || length < 0 || offset + length > trailer.Size)
            {
                throw new InvalidArgumentException($"Bytes {offset}..+{length} are outside the body ({trailer.Size} bytes).");
            }

            return Task.FromResult<Stream?>(new VerifiedBlobStream(file, ownsHandle: true, trailer, path, offset, length));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The body size of a file in one of this node's volumes; null when it is not here.</summary>
    /// <exception cref="CorruptException">The file has no valid trailer.</exception>
    public long? LocalBodySize(string volumeId, string blobId)
    {
        if (_volumes.FirstOrDefault(v => v.Id == volumeId) is not { } volume || !BlobNames.IsId(blobId))
        {
            return null;
        }

        var path = volume.BlobPath(blobId);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return BlobFile.ReadTrailer(file, path).Size;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The whole <c>.blob</c> file (body and trailer) of a local blob, for snapshots; null when it is not here.</summary>
    internal static FileStream? OpenRawFile(string volumeDirectory, string blobId)
    {
        try
        {
            return new FileStream(VolumeLayout.BlobPath(volumeDirectory, blobId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Stops the background work and withdraws the volume records.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_background).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await WithdrawAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>The metadata key as read: its value decoded, and whether it has expired (its lease not yet swept).</summary>
    private sealed record Current(KeyValue Kv, BlobMeta Meta, bool Expired);

    private async Task<Current?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var range = await _store.RangeAsync(new RangeRequest(KeyRange.Single(BlobKeys.Meta(key))), cancellationToken).ConfigureAwait(false);
        if (range.Kvs.Count == 0)
        {
            return null;
        }

        var kv = range.Kvs[0];
        var meta = BlobMeta.Decode(kv.Value.Span);
        return meta is null ? null : new Current(kv, meta, meta.IsExpired(Time.GetUtcNow()));
    }

    /// <summary>After the key moved on from <paramref name="previous"/>: its file goes now when it is here (else its
    /// node removes it when it sees the ref deleted), its lease is revoked.</summary>
    private async Task ForgetAsync(Current? previous, CancellationToken cancellationToken)
    {
        if (previous is null)
        {
            return;
        }

        if (previous.Kv.Lease != 0)
        {
            try
            {
                await _store.RevokeLeaseAsync(previous.Kv.Lease, CancellationToken.None).ConfigureAwait(false);
            }
            catch (CairnException)
            {
                // Already gone (expired) or the store is busy: the lease expires on its own and holds no keys now.
            }
        }

        if (previous.Meta is { Inline: null, Volume: { } volumeId, Blob: { } blob } && _volumes.FirstOrDefault(v => v.Id == volumeId) is { } volume)
        {
            await RemoveFileAsync(volume, blob, cancellationToken).ConfigureAwait(false);
        }
    }
}

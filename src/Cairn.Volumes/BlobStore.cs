using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Volumes;

/// <summary>
/// Blobs: bodies streamed into this node's volume directories (or inline in the keyspace when small), metadata as keys
/// in the keyspace. A body is written, checksummed and fsynced before its key is committed; a crash in between leaves a
/// file no key refers to, removed after <see cref="VolumeOptions.OrphanGrace"/>. Any node serves any key: a body held
/// by another node is fetched through <see cref="IBlobRemote"/>.
/// </summary>
/// <remarks>Concurrency: every member is safe to call from any thread.</remarks>
public sealed partial class BlobStore : IAsyncDisposable
{
    /// <summary>Prepares the store; <see cref="StartAsync"/> opens the volumes and starts the background work.</summary>
    public BlobStore(IKeyspace store, VolumeOptions options, IBlobRemote? remote, ILogger logger)
    {
        throw new NotImplementedException("skeleton");
    }

    /// <summary>Opens (and first time: initialises) every volume directory, registers them, removes the files whose
    /// keys are gone, and starts watching for removals and refreshing the registrations.</summary>
    /// <exception cref="IOException">A volume directory cannot be used.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>The local volumes: id → directory.</summary>
    public IReadOnlyDictionary<string, string> LocalVolumes => throw new NotImplementedException("skeleton");

    /// <summary>Stores <paramref name="body"/> under <paramref name="key"/>, streaming it with flat memory.</summary>
    /// <exception cref="InvalidArgumentException">A bad key, a TTL out of range, or a body whose length differs from <see cref="BlobPutOptions.ExpectedLength"/>.</exception>
    /// <exception cref="ConflictException"><see cref="BlobPutOptions.IfAbsent"/> and the key exists (the stored blob is untouched).</exception>
    /// <exception cref="PreconditionFailedException"><see cref="BlobPutOptions.IfMatch"/> does not match.</exception>
    /// <exception cref="LimitExceededException">The body exceeds <see cref="VolumeOptions.MaxBlobBytes"/>.</exception>
    /// <exception cref="InsufficientStorageException">No volume has room (see <see cref="VolumeOptions.MinFreeBytes"/>).</exception>
    public Task<BlobPutResult> PutAsync(string key, Stream body, BlobPutOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("skeleton");

    /// <summary>The blob's metadata; null when there is no such key (or it has expired).</summary>
    public Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Opens the blob for reading; null when there is no such key. Reading verifies checksums.</summary>
    public Task<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Deletes the blob (key now; its file as soon as its node sees it). False when there was no such key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ifMatch">Delete only if the current ETag is this.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<bool> DeleteAsync(string key, string? ifMatch = null, CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Blobs matching <paramref name="query"/>, in key order, a page at a time.</summary>
    public Task<BlobPage> QueryAsync(BlobQuery query, CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Counts and sizes for <c>/admin/status</c>, and the volumes of the cluster.</summary>
    public Task<BlobStoreStatus> StatusAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>The volume records of every node (fresh ones; a node gone for longer than the record TTL is absent).</summary>
    public Task<IReadOnlyList<VolumeRecord>> VolumesAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Opens bytes of a file in one of this node's volumes (for <c>/v1/internal/volumes</c> and snapshots),
    /// checking the chunks it covers; null when the volume is not local or the file is not there.</summary>
    public Task<Stream?> OpenLocalAsync(string volumeId, string blobId, long offset, long length, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("skeleton");

    /// <summary>Stops every node from removing files until the returned handle is disposed (a snapshot in progress).</summary>
    public Task<IAsyncDisposable> PinFilesAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Compares this node's files with the keyspace now: removes files whose keys are gone and orphans older
    /// than the grace period. Also runs every <see cref="VolumeOptions.ReconcileInterval"/>.</summary>
    public Task ReconcileAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Recreates the metadata of every valid file in <paramref name="volumeDirectory"/> (one of this node's
    /// volumes) whose key has none: the seed's restore, for a keyspace that was lost or wiped.</summary>
    /// <exception cref="InvalidArgumentException"><paramref name="volumeDirectory"/> is not one of this node's volumes.</exception>
    public Task<RebuildResult> RebuildAsync(string volumeDirectory, CancellationToken cancellationToken = default) => throw new NotImplementedException("skeleton");

    /// <summary>Stops the background work and withdraws the volume records.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException("skeleton");
}

/// <summary>An open blob. Copying verifies each chunk's checksum before sending it; a mismatch throws
/// <see cref="BlobCorruptException"/> (before the first byte when the first chunk is bad).</summary>
public abstract class BlobReader : IAsyncDisposable
{
    /// <summary>The blob.</summary>
    public abstract BlobInfo Info { get; }

    /// <summary>Copies bytes <paramref name="offset"/>..+<paramref name="length"/> of the body to <paramref name="destination"/>.</summary>
    public abstract Task CopyToAsync(Stream destination, long offset, long length, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}

/// <summary>A stored body failed its checksum: disk corruption, or a file changed behind Cairn's back.</summary>
public sealed class BlobCorruptException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Corrupt;
}

using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Snapshots;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Volumes;

/// <summary>Blob bodies in snapshots, as <c>blobs/&lt;id&gt;</c>: read by file id (keys move on meanwhile), on this node
/// or from the node holding them, while a pin stops every node from removing files.</summary>
internal sealed class VolumeSnapshotSource(BlobStore blobs) : ISnapshotFileSource
{
    public const string Prefix = "blobs/";

    public string EntryPrefix => Prefix;

    public Task<IAsyncDisposable> PinAsync(CancellationToken cancellationToken) => blobs.PinFilesAsync(cancellationToken);

    public SnapshotFile? FileOf(KeyValue kv) =>
        BlobSnapshotFile.Of(kv) is { } file ? new SnapshotFile(file.BlobId, file.Size, file.VolumeId) : null;

    public Task<Stream> OpenAsync(SnapshotFile file, CancellationToken cancellationToken) =>
        blobs.OpenBodyAsync(file.Location, file.Id, file.Size, cancellationToken);
}

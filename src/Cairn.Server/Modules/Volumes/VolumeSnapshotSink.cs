using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Snapshots;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Volumes;

/// <summary>Blob bodies back from a snapshot into a new data directory's volume (<see cref="BlobSnapshotRestore"/>).
/// Nothing is created until the first blob key or file arrives.</summary>
internal sealed class VolumeSnapshotSink(BlobSnapshotRestore restore) : ISnapshotFileSink
{
    public string EntryPrefix => VolumeSnapshotSource.Prefix;

    public int Missing => restore.Missing;

    public bool IsId(string id) => BlobSnapshotRestore.IsFileId(id);

    public (byte[] Value, IReadOnlyList<PutRequest> Extra) Restore(string key, byte[] value, long lease)
    {
        try
        {
            return restore.Restore(key, value, lease);
        }
        catch (InvalidArgumentException ex)
        {
            throw SnapshotRestore.Damaged(ex.Message);
        }
    }

    public async Task WriteFileAsync(string id, Stream body, CancellationToken cancellationToken)
    {
        try
        {
            await restore.WriteFileAsync(id, body, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidArgumentException ex)
        {
            throw SnapshotRestore.Damaged(ex.Message);
        }
    }
}

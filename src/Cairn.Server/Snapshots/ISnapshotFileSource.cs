using Cairn.Core;

using Cairn.Server.Hosting;

namespace Cairn.Server.Snapshots;

/// <summary>
/// Files a module keeps outside the keyspace that a snapshot carries along with the keys that refer to them (the bodies
/// of blobs), as tar entries <c><see cref="EntryPrefix"/>&lt;id&gt;</c>. A module registers one in the container when it
/// is on; <see cref="SnapshotWriter"/> asks every one. The way back is the module's
/// <see cref="Hosting.ICairnModule.OpenSnapshotSink"/>.
/// </summary>
internal interface ISnapshotFileSource
{
    /// <summary>The entries' name prefix, e.g. <c>blobs/</c>.</summary>
    string EntryPrefix { get; }

    /// <summary>Keeps every node from removing files until the returned handle is disposed.</summary>
    Task<IAsyncDisposable> PinAsync(CancellationToken cancellationToken);

    /// <summary>The file that <paramref name="kv"/> (read at the snapshot's revision) refers to; null when none.</summary>
    SnapshotFile? FileOf(KeyValue kv);

    /// <summary>Opens a file's bytes (its <see cref="SnapshotFile.Size"/> of them).</summary>
    Task<Stream> OpenAsync(SnapshotFile file, CancellationToken cancellationToken);
}

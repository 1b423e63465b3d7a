using Cairn.Server.Hosting;

namespace Cairn.Server.Snapshots;

/// <summary>A file a snapshot carries.</summary>
/// <param name="Id">Its id: the entry name after the source's prefix.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Location">Where its source finds it (e.g. a volume id).</param>
internal sealed record SnapshotFile(string Id, long Size, string Location);

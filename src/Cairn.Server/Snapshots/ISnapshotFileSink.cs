using Cairn.Server.Hosting;

namespace Cairn.Server.Snapshots;

/// <summary>
/// How a module's files (see <see cref="ISnapshotFileSource"/>) come back when a snapshot is restored into a new data
/// directory, offline: it sees every key first (and may rewrite it for the new directory, and add keys of its own),
/// then gets the files.
/// </summary>
internal interface ISnapshotFileSink
{
    /// <summary>The entries' name prefix, e.g. <c>blobs/</c>.</summary>
    string EntryPrefix { get; }

    /// <summary>True when <paramref name="id"/> can be the id of one of its files (checked before anything is written).</summary>
    bool IsId(string id);

    /// <summary>The value to store for <paramref name="key"/>, and puts of the module's own to add with it; the file it
    /// refers to, if any, is then expected.</summary>
    (byte[] Value, IReadOnlyList<Core.PutRequest> Extra) Restore(string key, byte[] value, long lease);

    /// <summary>Writes one file.</summary>
    /// <exception cref="Core.InvalidArgumentException">No key refers to it, or its bytes are not what the key says.</exception>
    Task WriteFileAsync(string id, Stream body, CancellationToken cancellationToken);

    /// <summary>How many files the keys refer to that have not been written.</summary>
    int Missing { get; }
}

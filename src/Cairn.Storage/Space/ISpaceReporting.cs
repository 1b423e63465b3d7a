namespace Cairn.Storage.Space;

/// <summary>A store on local files that can say how much room it takes and give back room it no longer needs. The
/// space monitor asks it; a remote store (etcd) does not implement this and is watched by its size and its own quota.</summary>
public interface ISpaceReporting
{
    /// <summary>The store's data and free room now.</summary>
    ValueTask<StoreSpace> SpaceAsync(CancellationToken cancellationToken = default);

    /// <summary>The <see cref="StoreSpace.PendingBytes"/> alone, cheaply (one <c>stat</c>): asked before every write that
    /// adds data.</summary>
    long PendingBytes { get; }

    /// <summary>Returns to the filesystem what the store can give back cheaply (e.g. truncates a write-ahead log that
    /// has been copied into the database). Called when space runs short; never loses data.</summary>
    ValueTask ReclaimAsync(CancellationToken cancellationToken = default);
}

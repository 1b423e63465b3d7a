using Cairn.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>The store's current revision, for the header of an answer that reads no key (lease calls).</summary>
internal static class EtcdRevision
{
    // A count of one unlikely key costs one indexed lookup, where the store's status would count every key.
    private static readonly RangeRequest Probe = new(KeyRange.Single("\u0001")) { CountOnly = true };

    /// <summary>The current revision.</summary>
    public static async ValueTask<long> CurrentAsync(IKeyspace store, CancellationToken cancellationToken) =>
        (await store.RangeAsync(Probe, cancellationToken).ConfigureAwait(false)).Revision;
}

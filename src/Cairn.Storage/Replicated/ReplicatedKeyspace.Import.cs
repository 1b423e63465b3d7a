using Cairn.Core;
using Cairn.Storage.Import;

namespace Cairn.Storage.Replicated;

public sealed partial class ReplicatedKeyspace
{
    /// <summary>
    /// The snapshot a new log starts from to hold exactly <paramref name="import"/>: every key with its own revisions,
    /// the store revision and compaction point at the import's revision, and its leases with their full TTL from
    /// <paramref name="time"/>'s now. Store it as the log's snapshot (with no entries after it) and open a node on the log.
    /// </summary>
    /// <returns>The snapshot, and how many keys it holds.</returns>
    /// <exception cref="InvalidArgumentException">A key or lease does not fit (see <see cref="KeyspaceImport.Check"/>), or a
    /// key is given twice.</exception>
    public static async Task<(byte[] Snapshot, long Keys)> ImportSnapshotAsync(KeyspaceImport import, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(import);
        ArgumentNullException.ThrowIfNull(time);
        import.CheckHeader();
        var now = time.GetUtcNow().UtcTicks;
        var leases = import.Leases.Select(l => (l.Id, l.TtlSeconds, now + (l.TtlSeconds * TimeSpan.TicksPerSecond))).ToList();
        var leaseIds = import.Leases.Select(l => l.Id).ToHashSet();
        var keys = new List<KeyValue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var kv in import.Keys.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            import.Check(kv, leaseIds);
            if (!seen.Add(kv.Key))
            {
                throw new InvalidArgumentException($"The import holds key '{kv.Key}' twice.");
            }

            keys.Add(kv);
        }

        return (KeyspaceState.WriteImportSnapshot(import.Revision, leases, keys), keys.Count);
    }
}

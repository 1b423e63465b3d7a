using Cairn.Core;

namespace Cairn.Storage.Import;

/// <summary>
/// A whole keyspace to write into a new, empty embedded store as it was elsewhere (a snapshot restore): every key with
/// its own create revision, mod revision and version, the store revision, and the leases the keys are attached to.
/// The store's revision and compaction point both become <see cref="Revision"/>: what happened before it is gone, as
/// after <c>etcdctl snapshot restore</c>, and the next write gets <see cref="Revision"/> + 1.
/// </summary>
/// <remarks>The keys are read once, in any order; each store checks them (<see cref="Check"/>) and refuses the import
/// as a whole with <see cref="InvalidArgumentException"/> when one does not fit.</remarks>
public sealed record KeyspaceImport
{
    /// <summary>The store revision the keys were read at; at least 1 and at least every key's mod revision.</summary>
    public required long Revision { get; init; }

    /// <summary>The leases the keys refer to (their TTLs start again when the store opens).</summary>
    public IReadOnlyList<ImportedLease> Leases { get; init; } = [];

    /// <summary>The live keys; a key's <see cref="KeyValue.Lease"/> is 0 or one of <see cref="Leases"/>.</summary>
    public required IAsyncEnumerable<KeyValue> Keys { get; init; }

    /// <summary>Checks the revision and the leases.</summary>
    /// <exception cref="InvalidArgumentException">The revision is below 1, or a lease is invalid or given twice.</exception>
    public void CheckHeader()
    {
        if (Revision < 1)
        {
            throw new InvalidArgumentException($"An import's revision must be at least 1; got {Revision}.");
        }

        var ids = new HashSet<long>();
        foreach (var lease in Leases)
        {
            Core.Leases.ValidateId(lease.Id);
            Core.Leases.ValidateTtl(lease.TtlSeconds);
            if (lease.Id == 0 || !ids.Add(lease.Id))
            {
                throw new InvalidArgumentException($"An import's lease id {lease.Id} is 0 or given twice.");
            }
        }
    }

    /// <summary>Checks one key against the revision and the leases.</summary>
    /// <exception cref="InvalidArgumentException">The key is invalid, or its revisions or lease do not fit.</exception>
    public void Check(KeyValue kv, IReadOnlySet<long> leaseIds)
    {
        ArgumentNullException.ThrowIfNull(kv);
        ArgumentNullException.ThrowIfNull(leaseIds);
        Core.Keys.Validate(kv.Key);
        if (kv.ModRevision < 1 || kv.ModRevision > Revision || kv.CreateRevision < 1 || kv.CreateRevision > kv.ModRevision || kv.Version < 1)
        {
            throw new InvalidArgumentException($"Key '{kv.Key}' cannot be imported at revision {Revision}: create revision {kv.CreateRevision}, mod revision {kv.ModRevision}, version {kv.Version} (each must be at least 1, create ≤ mod ≤ the import's revision).");
        }

        if (kv.Lease != 0 && !leaseIds.Contains(kv.Lease))
        {
            throw new InvalidArgumentException($"Key '{kv.Key}' is attached to lease {kv.Lease}, which the import does not hold.");
        }
    }
}

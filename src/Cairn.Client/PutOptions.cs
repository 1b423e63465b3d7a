namespace Cairn.Client;

/// <summary>Conditions and extras of <see cref="CairnClient.PutAsync(string, ReadOnlyMemory{byte}, PutOptions?, CancellationToken)"/>.
/// At most one of <see cref="IfModRevision"/>, <see cref="IfAbsent"/> and <see cref="IfExists"/> may be set; when the
/// condition does not hold the put fails with <see cref="Core.PreconditionFailedException"/>.</summary>
public sealed record PutOptions
{
    /// <summary>Write only if the key's mod revision is this one (<c>If-Match: "N"</c>); compare-and-set.</summary>
    public long? IfModRevision { get; init; }

    /// <summary>Write only if the key does not exist (<c>If-None-Match: *</c>).</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Write only if the key exists (<c>If-Match: *</c>).</summary>
    public bool IfExists { get; init; }

    /// <summary>Return the key-value as it was before the put.</summary>
    public bool PrevKv { get; init; }

    /// <summary>Attach the key to this lease (<c>?lease=ID</c>): it is deleted when the lease expires or is revoked.
    /// An unknown lease fails the put with <see cref="Core.LeaseNotFoundException"/>.</summary>
    public long? Lease { get; init; }

    /// <summary>Grant a new lease of this many seconds for this key alone (<c>?ttl=SECONDS</c>): the key is deleted
    /// that long after the put unless the lease (its id is in the result) is kept alive. Not with <see cref="Lease"/>.</summary>
    public long? TtlSeconds { get; init; }
}

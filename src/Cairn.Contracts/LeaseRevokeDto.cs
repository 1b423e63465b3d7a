namespace Cairn.Contracts;

/// <summary><c>DELETE /v1/leases/{id}</c>: the lease revoked and the revision its keys were deleted at.</summary>
public sealed record LeaseRevokeDto
{
    /// <summary>The lease.</summary>
    public long Id { get; init; }

    /// <summary>The revision of the deletes (the unchanged store revision when it had no keys).</summary>
    public long Revision { get; init; }
}

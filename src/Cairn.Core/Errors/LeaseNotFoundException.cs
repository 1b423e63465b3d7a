namespace Cairn.Core;

/// <summary>The lease does not exist: it was never granted, was revoked, or has expired.</summary>
public sealed class LeaseNotFoundException(long leaseId) : CairnException($"Lease {leaseId} not found (never granted, revoked, or expired).")
{
    /// <summary>The lease id.</summary>
    public long LeaseId { get; } = leaseId;

    /// <inheritdoc />
    public override string Code => ErrorCodes.LeaseNotFound;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["leaseId"] = LeaseId };
}

namespace Cairn.Core;

/// <summary>A granted lease.</summary>
/// <param name="Id">The lease id, to attach to puts and to keep alive.</param>
/// <param name="TtlSeconds">The granted time to live.</param>
/// <param name="Revision">The store revision when the lease was granted.</param>
public sealed record LeaseGrant(long Id, long TtlSeconds, long Revision);

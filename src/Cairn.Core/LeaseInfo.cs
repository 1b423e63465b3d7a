namespace Cairn.Core;

/// <summary>A lease's state.</summary>
/// <param name="Id">The lease id.</param>
/// <param name="GrantedTtlSeconds">The TTL it was granted with; each keep-alive renews it to this.</param>
/// <param name="RemainingTtlSeconds">Seconds until it expires by the server's clock (rounded up).</param>
/// <param name="Keys">The keys attached to it (when asked for; otherwise empty).</param>
public sealed record LeaseInfo(long Id, long GrantedTtlSeconds, long RemainingTtlSeconds, IReadOnlyList<string> Keys);

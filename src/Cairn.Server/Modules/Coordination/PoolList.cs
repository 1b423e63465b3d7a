namespace Cairn.Server.Modules.Coordination;

/// <summary>The answer of <c>GET /v1/pools</c>: <c>{"pools":[names]}</c>.</summary>
/// <param name="Pools">The names of pools that have members or items, in order.</param>
internal sealed record PoolList(List<string> Pools);

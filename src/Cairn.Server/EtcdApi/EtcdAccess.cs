using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Api;
using Cairn.Server.Security;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>The etcd API's permission checks, made in the handlers (the endpoints are "authorized in handler") with the
/// same rules as <c>/v1</c>'s (<see cref="KeyspaceAccess"/>): a read needs <c>kv:read</c> on its whole range, a write
/// <c>kv:write</c>, a txn everything any of its compares and ops needs, a compaction <c>admin:compaction</c>, a lease
/// call <c>leases:read</c> or <c>leases:write</c>.</summary>
internal static class EtcdAccess
{
    /// <summary>Refuses <paramref name="op"/> unless the caller may do it.</summary>
    public static void DemandOp(ServerCallContext context, KvRequest op) => KeyspaceAccess.DemandOp(context.GetHttpContext(), op);

    /// <summary>Refuses the txn unless the caller may do everything it could do, whichever branch runs.</summary>
    public static void DemandTxn(ServerCallContext context, TxnRequest txn) => KeyspaceAccess.DemandTxn(context.GetHttpContext(), txn);

    /// <summary>Refuses a compaction unless the caller may compact (as <c>POST /v1/compact</c>).</summary>
    public static void DemandCompact(ServerCallContext context) => Caller.Demand(context.GetHttpContext(), AuthResources.Admin, "compaction", null);

    /// <summary>Refuses a lease call unless the caller may <paramref name="action"/> (<c>read</c>, <c>write</c>) leases.</summary>
    public static void DemandLeases(ServerCallContext context, string action) => Caller.Demand(context.GetHttpContext(), AuthResources.Leases, action, null);

    /// <summary>Refuses a watch of <paramref name="range"/> unless the caller may read all of it (as <c>/v1/watch</c>).</summary>
    public static void DemandWatch(ServerCallContext context, KeyRange range) => Caller.DemandRange(context.GetHttpContext(), range, KeyspaceAccess.Read);
}

using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary>The host's own API, on every backend and whatever modules are on: keys, transactions, leases, watches, status
/// and health, snapshots.</summary>
internal static class KeyspaceApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        KvEndpoints.Map(app);
        TxnEndpoints.Map(app);
        AdminEndpoints.Map(app);
        LeaseEndpoints.Map(app);
        WatchEndpoints.Map(app);
        SnapshotEndpoints.Map(app);
    }
}

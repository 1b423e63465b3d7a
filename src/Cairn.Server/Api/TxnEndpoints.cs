using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary><c>POST /v1/txn</c> and <c>POST /v1/compact</c>.</summary>
internal static class TxnEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // A txn's keys are in its body: every one is checked before it runs (KeyspaceAccess.DemandTxn).
        app.MapPost("/v1/txn", TxnAsync).WithName("Txn").WithTags("kv").Produces<TxnResultDto>().AuthorizeInHandler(AuthResources.Kv);
        app.MapPost("/v1/compact", CompactAsync).WithName("Compact").WithTags("admin").Produces<CompactDto>().RequirePermission(AuthResources.Admin, "compaction");
    }

    private static async Task TxnAsync(HttpContext context, IKeyspace store)
    {
        var body = await Json.ReadAsync<TxnDto>(context).ConfigureAwait(false);
        var txn = body.ToModel();
        KeyspaceAccess.DemandTxn(context, txn);
        var result = await store.TxnAsync(txn, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, result.Revision);
        await Json.WriteAsync(context, TxnResultDto.From(result)).ConfigureAwait(false);
    }

    private static async Task CompactAsync(HttpContext context, IKeyspace store)
    {
        var body = await Json.ReadAsync<CompactDto>(context).ConfigureAwait(false);
        var result = await store.CompactAsync(body.Revision, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, result.Revision);
        await Json.WriteAsync(context, new CompactDto { Revision = result.Revision, CompactRevision = result.CompactRevision }).ConfigureAwait(false);
    }
}

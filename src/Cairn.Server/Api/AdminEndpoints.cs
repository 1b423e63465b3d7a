using System.Reflection;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary><c>/v1/status</c> and <c>/healthz</c>.</summary>
internal static class AdminEndpoints
{
    public static string Version { get; } =
        typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/status", StatusAsync).WithName("Status").WithTags("admin").Produces<StatusDto>();
        app.MapGet("/healthz", HealthAsync).WithName("Health").WithTags("admin");
    }

    private static async Task StatusAsync(HttpContext context, IKeyspace store, NodeInfo node)
    {
        var status = await store.StatusAsync(context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, status.Revision);
        await Json.WriteAsync(context, new StatusDto
        {
            Revision = status.Revision,
            CompactRevision = status.CompactRevision,
            KeyCount = status.KeyCount,
            SizeBytes = status.SizeBytes,
            Backend = status.Backend,
            Version = Version,
            NodeId = node.Id,
            UptimeSeconds = Math.Round((node.Time.GetUtcNow() - node.StartedAt).TotalSeconds, 3),
        }).ConfigureAwait(false);
    }

    /// <summary>How long <c>/healthz</c> waits for the store before calling it unhealthy.</summary>
    public static TimeSpan HealthTimeout { get; } = TimeSpan.FromSeconds(2);

    private static async Task HealthAsync(HttpContext context, IKeyspace store)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(HealthTimeout);
        try
        {
            var status = await store.StatusAsync(timeout.Token).ConfigureAwait(false);
            RevisionHeader.Set(context, status.Revision);
            await Json.WriteAsync(context, new HealthDto { Revision = status.Revision }).ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.Unavailable, "Unhealthy: " + ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.Unavailable, $"Unhealthy: the store did not answer within {HealthTimeout.TotalSeconds:0.#} s.").ConfigureAwait(false);
        }
    }
}

using System.Reflection;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Api.Probes;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Cairn.Storage.Space;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Api;

/// <summary><c>/v1/status</c>, and the probes on the health checks: <c>/healthz</c> or <c>/livez</c> (alive: the store
/// answers) and <c>/readyz</c> (ready: the store answers, no "no space" alarm, and in a cluster a leader is known).</summary>
internal static class AdminEndpoints
{
    public static string Version { get; } =
        typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder app)
    {
        // Any caller may read the store's status (the keyspace contract's StatusAsync, which clients use to start watches
        // at the current revision), as any etcd user may; the probes are open to everyone, so that a load balancer or an
        // orchestrator needs no credential.
        app.MapGet("/v1/status", StatusAsync).WithName("Status").WithTags("admin").Produces<StatusDto>().RequireAuthenticated();
        Probe(app, "/healthz", "Health", ProbeTags.Live, ProbeResponses.WriteLiveAsync);
        Probe(app, "/livez", "Live", ProbeTags.Live, ProbeResponses.WriteLiveAsync);
        Probe(app, "/readyz", "Ready", ProbeTags.Ready, ProbeResponses.WriteReadyAsync);
    }

    // A probe runs the health checks of its tag. GET only, as before the probes ran on the health checks.
    private static void Probe(IEndpointRouteBuilder app, string pattern, string name, string tag, Func<HttpContext, HealthReport, Task> answer) =>
        app.MapHealthChecks(pattern, new HealthCheckOptions { Predicate = check => check.Tags.Contains(tag), ResponseWriter = answer })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithName(name)
            .WithTags("admin")
            .AllowAnonymous();

    private static async Task StatusAsync(HttpContext context, IKeyspace store, NodeInfo node, SpaceAlarm alarm)
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
            Alarms = ProbeResponses.Alarms(alarm),
        }).ConfigureAwait(false);
    }
}

using System.Reflection;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Cairn.Storage.Space;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary><c>/v1/status</c>, <c>/healthz</c> or <c>/livez</c> (alive) and <c>/readyz</c> (accepting writes).</summary>
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
        app.MapGet("/healthz", HealthAsync).WithName("Health").WithTags("admin").AllowAnonymous();
        app.MapGet("/livez", HealthAsync).WithName("Live").WithTags("admin").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithName("Ready").WithTags("admin").AllowAnonymous();
    }

    /// <summary>The alarms raised now.</summary>
    private static IReadOnlyList<AlarmDto> Alarms(SpaceAlarm alarm) =>
        alarm is { Reason: { } reason, Since: { } since } ? [new AlarmDto { Name = "NOSPACE", Reason = reason, Since = since }] : [];

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
            Alarms = Alarms(alarm),
        }).ConfigureAwait(false);
    }

    /// <summary>How long <c>/healthz</c> waits for the store before calling it unhealthy.</summary>
    public static TimeSpan HealthTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Alive: the store answers (reads are served). Raised alarms are listed; a server that is out of space
    /// is healthy but not ready.</summary>
    private static Task HealthAsync(HttpContext context, IKeyspace store, SpaceAlarm alarm) =>
        ProbeAsync(context, store, revision => Json.WriteAsync(context, new HealthDto { Revision = revision, Alarms = Alarms(alarm) }));

    /// <summary>Ready: the store answers and accepts writes (no alarm is raised); otherwise 503 saying why not.</summary>
    private static Task ReadyAsync(HttpContext context, IKeyspace store, SpaceAlarm alarm) =>
        ProbeAsync(context, store, revision => alarm.Reason is { } reason
            ? ProblemWriter.WriteAsync(context, ErrorCodes.Unavailable, "Not accepting writes: " + reason + ".")
            : Json.WriteAsync(context, new ReadyDto { Revision = revision }));

    private static async Task ProbeAsync(HttpContext context, IKeyspace store, Func<long, Task> answer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(HealthTimeout);
        try
        {
            var status = await store.StatusAsync(timeout.Token).ConfigureAwait(false);
            RevisionHeader.Set(context, status.Revision);
            await answer(status.Revision).ConfigureAwait(false);
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

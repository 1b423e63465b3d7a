using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Http;
using Cairn.Storage.Space;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Api.Probes;

/// <summary>
/// What the probes answer, as they did before they ran on the health checks: <c>/livez</c> and <c>/healthz</c>
/// <c>200 {"status":"healthy","revision":N,"alarms":[…]}</c>, <c>/readyz</c> <c>200 {"status":"ready","revision":N}</c>,
/// with the revision in the revision header; a failed check is a <c>503</c> <c>unavailable</c> problem that names it.
/// </summary>
internal static class ProbeResponses
{
    /// <summary>The answer of <c>/livez</c> and <c>/healthz</c>.</summary>
    public static Task WriteLiveAsync(HttpContext context, HealthReport report)
    {
        if (WriteProblemIfFailed(context, report) is { } problem)
        {
            return problem;
        }

        var revision = Revision(context, report);
        var alarm = context.RequestServices.GetRequiredService<SpaceAlarm>();
        return Json.WriteAsync(context, new HealthDto { Revision = revision, Alarms = Alarms(alarm) });
    }

    /// <summary>The answer of <c>/readyz</c>.</summary>
    public static Task WriteReadyAsync(HttpContext context, HealthReport report) =>
        WriteProblemIfFailed(context, report) ?? Json.WriteAsync(context, new ReadyDto { Revision = Revision(context, report) });

    /// <summary>The alarms raised now, as <c>/v1/status</c> and <c>/healthz</c> list them.</summary>
    public static IReadOnlyList<AlarmDto> Alarms(SpaceAlarm alarm) =>
        alarm is { Reason: { } reason, Since: { } since } ? [new AlarmDto { Name = "NOSPACE", Reason = reason, Since = since }] : [];

    private static long Revision(HttpContext context, HealthReport report)
    {
        var revision = report.Entries.TryGetValue(StoreHealthCheck.Name, out var store) && store.Data.TryGetValue(StoreHealthCheck.RevisionKey, out var value)
            ? (long)value
            : 0;
        RevisionHeader.Set(context, revision);
        return revision;
    }

    // A 503 problem whose detail says which checks failed and why (in the order they were registered), with their names
    // in "checks" for a program to read.
    private static Task? WriteProblemIfFailed(HttpContext context, HealthReport report)
    {
        var failed = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        var detail = string.Join(" ", failed.Select(f => $"Check '{f.Key}' failed: {Describe(f.Value)}"));
        var details = new Dictionary<string, object?> { ["checks"] = failed.Select(f => f.Key).ToList() };
        return ProblemWriter.WriteAsync(context, ErrorCodes.Unavailable, detail, details);
    }

    private static string Describe(HealthReportEntry entry)
    {
        var text = entry.Description ?? entry.Exception?.Message ?? entry.Status.ToString();
        return text.EndsWith('.') ? text : text + ".";
    }
}

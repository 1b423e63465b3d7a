using Cairn.Storage.Space;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Api.Probes;

/// <summary>No "no space" alarm is raised: a server out of space serves reads (it is alive) but refuses writes that add
/// data, so it is not ready.</summary>
internal sealed class SpaceHealthCheck(SpaceAlarm alarm) : IHealthCheck
{
    /// <summary>The check's name in a probe's problem.</summary>
    public const string Name = "no-space-alarm";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(alarm.Reason is { } reason
            ? HealthCheckResult.Unhealthy("Not accepting writes: " + reason + ".")
            : HealthCheckResult.Healthy("No alarm is raised."));
}

using Cairn.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Api.Probes;

/// <summary>The store answers a status request within <see cref="Timeout"/>; its revision goes into the probe's answer.</summary>
internal sealed class StoreHealthCheck(IKeyspace store) : IHealthCheck
{
    /// <summary>The check's name in a probe's problem.</summary>
    public const string Name = "store";

    /// <summary>The key of the store's revision in the result's data.</summary>
    public const string RevisionKey = "revision";

    /// <summary>How long the probes wait for the store before calling it unhealthy.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var status = await store.StatusAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The store answers.", new Dictionary<string, object> { [RevisionKey] = status.Revision });
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            return HealthCheckResult.Unhealthy("Unhealthy: " + ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Unhealthy: the store did not answer within {Timeout.TotalSeconds:0.#} s.");
        }
    }
}

using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

/// <summary>
/// Recurring jobs: definitions under <c>rec/&lt;name&gt;</c>, each fired exactly once per occurrence however many nodes
/// run <see cref="RunAsync"/>: a firing is one transaction that creates the occurrence's <c>fired/&lt;name&gt;/&lt;time&gt;</c>
/// marker (absent before), advances the definition (unchanged since read) and enqueues the job.
/// </summary>
public sealed partial class RecurringJobs
{
    private readonly JobStore _jobs;
    private readonly ILogger _logger;

    public RecurringJobs(JobStore jobs, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        _jobs = jobs;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>Creates or replaces a recurring job; its next occurrence is computed from now. Created is true for a new one.</summary>
    /// <exception cref="InvalidArgumentException">A field is invalid (bad cron, unknown time zone, bad interval…); the message names it.</exception>
    public Task<(RecurringJobDto Recurring, bool Created)> UpsertAsync(RecurringJobDto spec, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task<RecurringJobDto?> GetAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<IReadOnlyList<RecurringJobDto>> ListAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes it (jobs it already made stay). False when there is none.</summary>
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Enqueues a run now, outside its schedule (its schedule is unchanged).</summary>
    /// <exception cref="NotFoundException">No such recurring job.</exception>
    public Task<JobDto> TriggerAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>One pass: fires every due occurrence (by each one's misfire policy). Returns how many jobs it made.</summary>
    public Task<int> FireDueAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Fires due occurrences until cancelled, sleeping until the next one is due or a definition changes.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => throw new NotImplementedException();
}

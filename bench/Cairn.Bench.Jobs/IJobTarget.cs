namespace Cairn.Bench.Jobs;

/// <summary>
/// One job system under test, on fresh storage: the benchmark makes a new one per cell, so that no cell sees another's
/// leftovers (a 100,000-job history in the store, a warm queue table).
/// </summary>
internal interface IJobTarget : IAsyncDisposable
{
    /// <summary>Enqueues one no-op job that calls <see cref="Probe.Run"/> with <paramref name="enqueuedAt"/>.</summary>
    Task EnqueueAsync(long enqueuedAt, CancellationToken cancellationToken);

    /// <summary>Starts <paramref name="workers"/> workers that run the no-op jobs.</summary>
    Task StartWorkersAsync(int workers, CancellationToken cancellationToken);

    /// <summary>Stops the workers (waits for them).</summary>
    Task StopWorkersAsync();
}

/// <summary>A kind of target: how to make a fresh one, and what to say about it in the table.</summary>
/// <param name="Name">The name in the table.</param>
/// <param name="Durable">Whether an acknowledged enqueue survives a crash of the process (or machine).</param>
/// <param name="Description">One line for the report: storage, settings that matter.</param>
/// <param name="Create">Makes a fresh instance.</param>
internal sealed record TargetKind(string Name, bool Durable, string Description, Func<CancellationToken, Task<IJobTarget>> Create);

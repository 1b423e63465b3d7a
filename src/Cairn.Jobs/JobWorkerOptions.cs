namespace Cairn.Jobs;

/// <summary>Settings of one <see cref="JobWorker"/>.</summary>
public sealed record JobWorkerOptions
{
    /// <summary>The worker's id; unique per process (default: node, process id and a random suffix).</summary>
    public string WorkerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24];

    /// <summary>The node it runs on: its server's node id, or the host name.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>The queues it takes jobs from, in order of preference.</summary>
    public IReadOnlyList<string> Queues { get; init; } = [Contracts.JobNames.DefaultQueue];

    /// <summary>How many jobs it runs at once.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>The handlers it runs, by type.</summary>
    public IReadOnlyList<JobHandlerRegistration> Handlers { get; init; } = [];

    /// <summary>How long one claim call waits for a job (a long poll) before it asks again.</summary>
    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Stores a file an attempt returns (job, file name, content → blob key): the server's blob store, or
    /// <c>PUT /v1/blobs</c> through the client. Null: a job that returns a file fails with a clear error.</summary>
    public Func<JobClaim, string, Stream, CancellationToken, Task<string>>? StoreFile { get; init; }

    /// <summary>The clock for heartbeats and timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

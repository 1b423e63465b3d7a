using Cairn.Contracts;
using Cairn.Jobs;
using Microsoft.Extensions.Logging;

namespace Cairn.Client;

/// <summary>Hosting job handlers in an application: a <see cref="JobWorker"/> that takes its jobs from this client's server.</summary>
public sealed partial class CairnClient
{
    /// <summary>
    /// Makes a worker that runs <paramref name="options"/>' handlers on jobs claimed from this client's server (over
    /// <see cref="HttpJobSource"/>), as a Hangfire server runs inside an application: start it with
    /// <see cref="JobWorker.StartAsync"/>, stop it with <see cref="JobWorker.DisposeAsync"/> (running attempts are stopped
    /// and reported so they are retried at once). Files a handler stores (<see cref="JobContext.StoreFileAsync"/>) go to
    /// blob <c>jobs/&lt;id&gt;/&lt;attempt&gt;/&lt;name&gt;</c> unless the options name another store.
    /// </summary>
    /// <param name="options">The worker's queues, concurrency and handlers.</param>
    /// <param name="logger">Where the worker logs; null: nowhere.</param>
    /// <returns>The worker, not started. This client must stay open while it runs.</returns>
    public JobWorker CreateJobWorker(JobWorkerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var withStore = options.StoreFile is not null ? options : options with { StoreFile = StoreJobFileAsync };
        return new JobWorker(new HttpJobSource(this), withStore, logger);
    }

    /// <summary>Stores a file an attempt returns as blob <c>jobs/&lt;id&gt;/&lt;attempt&gt;/&lt;name&gt;</c> and returns its key.</summary>
    /// <param name="claim">The attempt.</param>
    /// <param name="name">The file's name: one path segment.</param>
    /// <param name="content">The content (streamed).</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <exception cref="Core.InvalidArgumentException">The name is empty, <c>.</c> or <c>..</c>, or has a <c>/</c>.</exception>
    public async Task<string> StoreJobFileAsync(JobClaim claim, string name, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.Contains('/', StringComparison.Ordinal))
        {
            throw new Core.InvalidArgumentException($"A job's file name is one path segment (no '/', not '.' or '..'); got '{name}'.");
        }

        var key = $"jobs/{claim.JobId}/{claim.Attempt}/{name}";
        BlobNames.ValidateKey(key);
        await PutBlobAsync(key, content, cancellationToken: cancellationToken).ConfigureAwait(false);
        return key;
    }
}

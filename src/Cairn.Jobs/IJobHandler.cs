using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Jobs;

/// <summary>
/// A .NET job handler: the code a job of type <see cref="JobHandlerRegistration.Type"/> runs. Register it with a
/// <see cref="JobWorker"/> (in a server, or in an application through <c>Cairn.Client</c>, as a Hangfire server runs inside
/// an application). Return normally: the attempt succeeded; throw: it failed and is retried while attempts are left. The
/// token is cancelled when the job is cancelled, its claim is lost, it times out, or the worker stops.
/// </summary>
public interface IJobHandler
{
    /// <summary>Runs one attempt; the result (may be null) is stored as the job's <see cref="JobDto.Result"/>.</summary>
    Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>A handler and the job type it runs.</summary>
/// <param name="Type">The job type (a name per <see cref="JobNames.IsValidName"/>, or a <c>script:</c>/<c>pulzar:</c> prefix
/// ending in <c>*</c> for the script runner).</param>
/// <param name="Handler">The handler.</param>
public sealed record JobHandlerRegistration(string Type, IJobHandler Handler);

/// <summary>What a handler gets for one attempt.</summary>
public sealed class JobContext
{
    internal JobContext(JobClaim claim, Func<string, CancellationToken, Task> log, Func<string, Stream, CancellationToken, Task<string>> storeFile)
    {
        Claim = claim;
        _log = log;
        _storeFile = storeFile;
    }

    private readonly Func<string, CancellationToken, Task> _log;
    private readonly Func<string, Stream, CancellationToken, Task<string>> _storeFile;
    private readonly List<string> _files = [];

    /// <summary>The claim: the job, the attempt and its token.</summary>
    public JobClaim Claim { get; }

    /// <summary>The job.</summary>
    public JobDto Job => Claim.Job;

    /// <summary>The job's JSON arguments.</summary>
    public JsonElement Args => Claim.Job.Args;

    /// <summary>The attempt's number.</summary>
    public int Attempt => Claim.Attempt;

    /// <summary>Appends text to the attempt's log (kept with the job, streamed live). A stale attempt's write is refused
    /// with <see cref="Core.ConflictException"/>.</summary>
    public Task LogAsync(string text, CancellationToken cancellationToken = default) => _log(text, cancellationToken);

    /// <summary>Stores a file the job returns as a blob (kept for <c>Jobs:ResultRetention</c>) and lists it in the job's
    /// <see cref="JobDto.Files"/> when the attempt succeeds. Returns the blob key.</summary>
    public async Task<string> StoreFileAsync(string name, Stream content, CancellationToken cancellationToken = default)
    {
        var key = await _storeFile(name, content, cancellationToken).ConfigureAwait(false);
        lock (_files)
        {
            _files.Add(key);
        }

        return key;
    }

    /// <summary>The blob keys stored so far.</summary>
    internal IReadOnlyList<string> Files
    {
        get
        {
            lock (_files)
            {
                return [.. _files];
            }
        }
    }
}

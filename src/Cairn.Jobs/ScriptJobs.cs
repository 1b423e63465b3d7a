using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Jobs;

/// <summary>Settings of the script runner.</summary>
public sealed class ScriptJobOptions
{
    /// <summary>The directory scripts are found in (<c>Jobs:Directory</c>), a full path.</summary>
    public string Directory { get; init; } = "";

    /// <summary>The Python interpreter for seed-style jobs (<c>Jobs:Python</c>).</summary>
    public string Python { get; init; } = "python3";

    /// <summary>Where the runner writes the shim it ships and per-attempt scratch directories.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "cairn-jobs");
}

/// <summary>
/// Script jobs: <c>script:&lt;path&gt;</c> runs an executable under <see cref="ScriptJobOptions.Directory"/> (argv without a
/// shell; the arguments as JSON on stdin and in <c>CAIRN_JOB_ARGS</c>; stdout and stderr as the log; exit code 0 is success),
/// and <c>pulzar:&lt;dir&gt;/&lt;name&gt;</c> runs the seed's <c>&lt;dir&gt;/&lt;name&gt;.py</c> with <c>execute(params) -&gt; bool</c>
/// unchanged through a shim Cairn ships (a raised exception is logged as <c>PULZAR_ERROR::&lt;message&gt;</c> and fails the
/// attempt). The process runs in its own process group, which is killed whole when the attempt is stopped.
/// </summary>
public sealed partial class ScriptJobs : IJobHandler
{
    private readonly ScriptJobOptions _options;

    public ScriptJobs(ScriptJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The registrations that route <c>script:*</c> and <c>pulzar:*</c> jobs here.</summary>
    public IReadOnlyList<JobHandlerRegistration> Registrations => [new(JobNames.ScriptPrefix + "*", this), new(JobNames.PulzarPrefix + "*", this)];

    /// <summary>
    /// Checks a script job type and finds its file: the full path under the directory. Null when the type is not a script
    /// type at all (a handler name).
    /// </summary>
    /// <exception cref="Core.InvalidArgumentException">The name has <c>..</c>, an absolute path, empty segments, shell or
    /// control characters, or leaves the directory through a link.</exception>
    /// <exception cref="Core.NotFoundException">No such script (or, for <c>script:</c>, not executable).</exception>
    public string? Resolve(string type) => throw new NotImplementedException();

    public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken) => throw new NotImplementedException();
}

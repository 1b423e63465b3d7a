using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Processes;

namespace Cairn.Jobs;

/// <summary>Settings of the script runner.</summary>
public sealed class ScriptJobOptions
{
    /// <summary>The directory scripts are found in (<c>Jobs:Directory</c>), a full path.</summary>
    public string Directory { get; init; } = "";

    /// <summary>The Python interpreter for seed-style jobs (<c>Jobs:Python</c>).</summary>
    public string Python { get; init; } = "python3";

    /// <summary>Where the runner writes the shim it ships and per-attempt scratch directories (default
    /// <c>$TMPDIR/cairn-jobs-&lt;user&gt;</c>). With a <see cref="Sandbox"/> that switches users it must be the server's
    /// own directory, outside the data directory (which the scripts' user cannot enter).</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "cairn-jobs-" + Environment.UserName);

    /// <summary>How scripts run: as which user, within which limits (<see cref="ProcessSandbox.Create"/>). Default
    /// <see cref="ProcessSandbox.None"/>, as the caller with its environment; the server and <c>cairn worker</c> give one
    /// made from their settings.</summary>
    public ProcessSandbox Sandbox { get; init; } = ProcessSandbox.None;

    /// <summary>
    /// Finds the local file of a <c>pulzar_data</c> blob key (the seed's data file a job reads through
    /// <c>pulzar_get_filepath()</c>); the server wires it to its blob store. Null, or a null answer: the job sees no
    /// file, as the seed's jobs did when the key was not on their node.
    /// </summary>
    public Func<string, CancellationToken, Task<string?>>? PulzarDataPath { get; init; }
}

/// <summary>
/// Script jobs: <c>script:&lt;path&gt;</c> runs an executable under <see cref="ScriptJobOptions.Directory"/> (argv without a
/// shell; the arguments as JSON on stdin and in <c>CAIRN_JOB_ARGS</c>; stdout and stderr as the log; exit code 0 is success),
/// and <c>pulzar:&lt;dir&gt;/&lt;name&gt;</c> runs the seed's <c>&lt;dir&gt;/&lt;name&gt;.py</c> with <c>execute(params) -&gt; bool</c>
/// unchanged through a shim Cairn ships (a raised exception is logged as <c>PULZAR_ERROR::&lt;message&gt;</c> and fails the
/// attempt). The process runs in its own process group, which is killed whole when the attempt is stopped, as the
/// <see cref="ScriptJobOptions.Sandbox"/>'s user, within its limits, with a clean environment.
/// </summary>
/// <remarks>
/// A script's files: it runs in an empty scratch directory of its attempt; files it leaves in <c>CAIRN_JOB_OUTPUT</c> are
/// returned (<c>result.json</c> as the job's result, any other regular file as a stored file; a link, which could point at
/// the server's files, fails the attempt), and the scratch directory is deleted afterwards. The scratch directory is the
/// script's user's while it runs and the server's again before its output is read. Processes the script left behind in
/// its group are killed when it exits, so a job never leaks processes.
/// </remarks>
public sealed partial class ScriptJobs : IJobHandler
{
    /// <summary>Log batches are written at this size or <see cref="LogBatchDelay"/> after their first line, whichever
    /// comes first: a chatty script makes a store write per batch, not per line.</summary>
    internal const int LogBatchChars = 16 * 1024;

    internal static readonly TimeSpan LogBatchDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the output of a script that exited is still read (a grandchild that escaped the group may hold
    /// the pipes open).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    private const UnixFileMode ReadableFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode ReadableDirectory = ReadableFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly ScriptJobOptions _options;
    private readonly Lazy<string> _attempts;
    private readonly Lazy<string> _shim;

    public ScriptJobs(ScriptJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _attempts = new Lazy<string>(PrepareWorkDirectory, LazyThreadSafetyMode.ExecutionAndPublication);
        _shim = new Lazy<string>(WriteShim, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The sandbox scripts run in.</summary>
    public ProcessSandbox Sandbox => _options.Sandbox;

    /// <summary>The registrations that route <c>script:*</c> and <c>pulzar:*</c> jobs here.</summary>
    public IReadOnlyList<JobHandlerRegistration> Registrations => [new(JobNames.ScriptPrefix + "*", this), new(JobNames.PulzarPrefix + "*", this)];

    /// <summary>
    /// Checks a script job type and finds its file: the full path under the directory. Null when the type is not a script
    /// type at all (a handler name).
    /// </summary>
    /// <exception cref="Core.InvalidArgumentException">The name has <c>..</c>, an absolute path, empty segments, shell or
    /// control characters, or leaves the directory through a link.</exception>
    /// <exception cref="Core.NotFoundException">No such script (or, for <c>script:</c>, not executable).</exception>
    public string? Resolve(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        bool pulzar;
        string name;
        if (type.StartsWith(JobNames.ScriptPrefix, StringComparison.Ordinal))
        {
            pulzar = false;
            name = type[JobNames.ScriptPrefix.Length..];
        }
        else if (type.StartsWith(JobNames.PulzarPrefix, StringComparison.Ordinal))
        {
            pulzar = true;
            name = type[JobNames.PulzarPrefix.Length..];
        }
        else
        {
            return null;
        }

        CheckName(type, name);
        if (string.IsNullOrEmpty(_options.Directory) || !Path.IsPathFullyQualified(_options.Directory))
        {
            throw new NotFoundException($"no script '{name}': no jobs directory is configured (Jobs:Directory).");
        }

        var relative = pulzar ? name + ".py" : name;
        var path = Path.Combine(_options.Directory, relative);
        if (!File.Exists(path))
        {
            // A link that points outside is refused as such even when its target is missing.
            CheckInside(type, path, mustExist: false);
            throw new NotFoundException($"no script '{relative}' in the jobs directory.");
        }

        CheckInside(type, path, mustExist: true);
        if (!pulzar && !Native.IsExecutable(path))
        {
            throw new NotFoundException($"script '{relative}' is not executable by the server's user (chmod +x).");
        }

        return path;
    }

    public async Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var type = context.Job.Type;
        var path = Resolve(type) ?? throw new InvalidArgumentException($"type: '{type}' is not a script: or pulzar: job.");
        var pulzar = type.StartsWith(JobNames.PulzarPrefix, StringComparison.Ordinal);
        var argsJson = context.Args.ValueKind == JsonValueKind.Undefined ? "{}" : context.Args.GetRawText();

        string? dataPath = null;
        if (pulzar && _options.PulzarDataPath is { } lookup && context.Args.ValueKind == JsonValueKind.Object &&
            context.Args.TryGetProperty("pulzar_data", out var data) && data.ValueKind == JsonValueKind.String)
        {
            dataPath = await lookup(data.GetString()!, cancellationToken).ConfigureAwait(false);
        }

        var sandbox = _options.Sandbox;
        var scratch = Path.Combine(_attempts.Value, $"{context.Job.Id}-{context.Attempt}-{Guid.NewGuid():N}");
        var output = Path.Combine(scratch, "output");
        var work = Path.Combine(scratch, "work");
        System.IO.Directory.CreateDirectory(output);
        System.IO.Directory.CreateDirectory(work);
        try
        {
            foreach (var directory in new[] { scratch, output, work })
            {
                sandbox.GiveDirectory(directory);
            }

            var start = new ProcessStartInfo
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
                StandardInputEncoding = new UTF8Encoding(false),
                WorkingDirectory = work,
            };

            // setsid(1) makes the child the leader of a new session and process group and execs in place (the child of
            // a fork is never a group leader), so the pid is the group id and the whole tree can be killed at once.
            sandbox.Prepare(
                start,
                pulzar ? _options.Python : path,
                pulzar ? [_shim.Value, path] : [],
                new ProcessRun { Home = work, NewSession = true, Timeout = TimeSpan.FromSeconds(Math.Max(0, context.Job.TimeoutSeconds)) });

            start.Environment["CAIRN_JOB_ID"] = context.Job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["CAIRN_JOB_ATTEMPT"] = context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["CAIRN_JOB_TYPE"] = type;
            start.Environment["CAIRN_JOB_ARGS"] = argsJson;
            start.Environment["CAIRN_JOB_OUTPUT"] = output;
            if (context.Job.Recurring is { } recurring)
            {
                start.Environment["CAIRN_JOB_RECURRING"] = recurring;
            }

            if (pulzar)
            {
                // The prints of a seed job reach the log as they happen, and no bytecode lands in the jobs directory.
                start.Environment["PYTHONUNBUFFERED"] = "1";
                start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
                if (dataPath is not null)
                {
                    start.Environment["CAIRN_PULZAR_DATA_PATH"] = dataPath;
                }
            }

            await RunAsync(context, start, argsJson, sandbox, cancellationToken).ConfigureAwait(false);

            // Back to the server before it reads a file: a process of the script's user that outlived its group can no
            // longer swap what is in there.
            sandbox.TakeBackDirectory(scratch);
            sandbox.TakeBackDirectory(output);
            return await CollectOutputAsync(context, output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                System.IO.Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task RunAsync(JobContext context, ProcessStartInfo start, string argsJson, ProcessSandbox sandbox, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var process = new Process { StartInfo = start };
        process.Start();
        var pid = process.Id;
        var log = new LogPump(context);
        var stdout = new StreamTail();
        var stderr = new StreamTail();
        var readOut = ReadAsync(process.StandardOutput, log, stdout);
        var readErr = ReadAsync(process.StandardError, log, stderr);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(argsJson.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The script exited (or closed stdin) without reading its arguments: they are in CAIRN_JOB_ARGS too.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process, pid);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await DrainAsync(readOut, readErr, log).ConfigureAwait(false);
            throw new OperationCanceledException("the attempt was stopped; its processes were killed.", null, cancellationToken);
        }

        // Whatever the script left running in its group goes with it.
        Native.KillGroup(pid);
        await DrainAsync(readOut, readErr, log).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var why = stdout.PulzarError ?? stderr.PulzarError ?? stderr.LastLine ?? "no output on stderr";
            var limit = sandbox.DescribeExit(process.ExitCode) is { } reason ? $" ({reason})" : "";
            throw new ScriptFailedException(process.ExitCode, $"exit code {process.ExitCode}{limit}: {why}");
        }
    }

    private static void KillTree(Process process, int pid)
    {
        Native.KillGroup(pid);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private static async Task DrainAsync(Task readOut, Task readErr, LogPump log)
    {
        var readers = Task.WhenAll(readOut, readErr);
        await Task.WhenAny(readers, Task.Delay(DrainGrace)).ConfigureAwait(false);
        await log.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task ReadAsync(StreamReader reader, LogPump log, StreamTail tail)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                tail.Saw(line);
                log.Add(line + "\n");
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task<JsonElement?> CollectOutputAsync(JobContext context, string output, CancellationToken cancellationToken)
    {
        JsonElement? result = null;
        foreach (var file in System.IO.Directory.EnumerateFileSystemEntries(output).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (System.IO.Directory.Exists(file) && new DirectoryInfo(file).LinkTarget is null)
            {
                continue;
            }

            if (!ProcessSandbox.IsRegularFile(file))
            {
                throw new InvalidOperationException($"the job left '{name}' in its output directory, which is not a regular file (a link, a FIFO or a device); a job returns regular files only.");
            }

            if (name == "result.json")
            {
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                try
                {
                    using var document = JsonDocument.Parse(bytes);
                    result = document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new InvalidOperationException($"result.json is not valid JSON: {e.Message}", e);
                }

                continue;
            }

            var stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                await context.StoreFileAsync(name, stream, cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>Makes the work directory and its <c>attempts</c> directory (the server's own, 0711 under a sandbox: a
    /// script's user passes through to its attempt's directory but cannot list the others); returns the latter.</summary>
    private string PrepareWorkDirectory()
    {
        var attempts = Path.Combine(_options.WorkDirectory, "attempts");
        _options.Sandbox.PrepareWorkRoot(_options.WorkDirectory);
        _options.Sandbox.PrepareWorkRoot(attempts);
        return attempts;
    }

    /// <summary>Writes the shim and its <c>pulzarcore</c> package (embedded resources) under the work directory, readable
    /// by every user (it is Cairn's code, no secret; the server's umask would make it the server's alone); each file goes
    /// in through a rename, so runners sharing the directory never see half of one.</summary>
    private string WriteShim()
    {
        _ = _attempts.Value;
        var directory = Path.Combine(_options.WorkDirectory, "shim");
        var assembly = typeof(ScriptJobs).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("shim/", StringComparison.Ordinal)))
        {
            var target = Path.Combine(directory, resource["shim/".Length..]);
            var parent = Path.GetDirectoryName(target)!;
            System.IO.Directory.CreateDirectory(parent);
            var temporary = $"{target}.{Guid.NewGuid():N}.tmp";
            using (var input = assembly.GetManifestResourceStream(resource)!)
            using (var file = File.Create(temporary))
            {
                input.CopyTo(file);
            }

            if (!OperatingSystem.IsWindows())
            {
                // Python lists a directory on sys.path before it imports from it, so the directories are readable too.
                for (var d = parent; d.Length >= directory.Length; d = Path.GetDirectoryName(d)!)
                {
                    File.SetUnixFileMode(d, ReadableDirectory);
                }

                File.SetUnixFileMode(temporary, ReadableFile);
            }

            File.Move(temporary, target, overwrite: true);
        }

        return Path.Combine(directory, "pulzar_shim.py");
    }

    /// <summary>The last line of a stream and the last <c>PULZAR_ERROR::</c> line in it, for the failure's one line.</summary>
    private sealed class StreamTail
    {
        private volatile string? _last;
        private volatile string? _pulzarError;

        public string? LastLine => _last;

        public string? PulzarError => _pulzarError;

        public void Saw(string line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            _last = line.Trim();
            var at = line.IndexOf("PULZAR_ERROR::", StringComparison.Ordinal);
            if (at >= 0)
            {
                _pulzarError = line[at..].Trim();
            }
        }
    }

    /// <summary>Lines of both streams in order of arrival, written to the attempt's log in batches by one writer.</summary>
    private sealed class LogPump
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        private readonly JobContext _context;
        private readonly Task _writer;

        public LogPump(JobContext context)
        {
            _context = context;
            _writer = Task.Run(WriteAsync);
        }

        public void Add(string text) => _lines.Writer.TryWrite(text);

        public Task CompleteAsync()
        {
            _lines.Writer.TryComplete();
            return _writer;
        }

        private async Task WriteAsync()
        {
            var reader = _lines.Reader;
            var batch = new StringBuilder();
            var failed = false;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var until = Stopwatch.GetTimestamp() + (long)(LogBatchDelay.TotalSeconds * Stopwatch.Frequency);
                while (batch.Length < LogBatchChars)
                {
                    while (batch.Length < LogBatchChars && reader.TryRead(out var text))
                    {
                        batch.Append(text);
                    }

                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
                    if (batch.Length >= LogBatchChars || left <= TimeSpan.Zero)
                    {
                        break;
                    }

                    using var wait = new CancellationTokenSource(left);
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                if (!failed)
                {
                    try
                    {
                        await _context.LogAsync(batch.ToString()).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is CairnException or IOException or HttpRequestException or InvalidOperationException)
                    {
                        // A stale attempt (its worker stops it) or a store that is down: the output is still read, so
                        // the script is not blocked on a full pipe.
                        failed = true;
                    }
                }

                batch.Clear();
            }
        }
    }
}

/// <summary>A script exited with a code other than 0; the worker records the code with the attempt.</summary>
internal sealed class ScriptFailedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

using System.CommandLine;
using System.Runtime.InteropServices;
using Cairn.Contracts;
using Cairn.Jobs;
using Cairn.Processes;
using Microsoft.Extensions.Logging;

namespace Cairn.Cli;

/// <summary>
/// <c>cairn worker</c>: runs script and seed-style Python jobs from a directory on this machine, claimed from a server,
/// until SIGINT or SIGTERM; then it stops gracefully (running attempts are stopped and reported, so they are retried at
/// once rather than after their claim expires). A worker killed outright loses its claims; the server retries their jobs
/// when the claims expire. Scripts run as the server's do: as <c>--run-as</c> (default <c>nobody</c> when the worker is
/// root), within memory, open-file and CPU limits, with a clean environment (so a <c>CAIRN_TOKEN</c> of the worker's
/// never reaches them).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var queues = new Option<string?>("--queues") { Description = "The queues to take jobs from, in order of preference, comma-separated (default: default)." };
        var concurrency = new Option<int?>("--concurrency") { Description = "How many jobs to run at once (default: the number of processors)." };
        var scripts = new Option<string>("--scripts")
        {
            Description = "The directory of the jobs: script:PATH runs DIR/PATH, pulzar:D/NAME runs DIR/D/NAME.py (default ./jobs).",
            DefaultValueFactory = _ => "./jobs",
        };
        var python = new Option<string>("--python")
        {
            Description = "The Python interpreter for pulzar: jobs (default python3).",
            DefaultValueFactory = _ => "python3",
        };
        var runAs = new Option<string?>("--run-as") { Description = "The user scripts run as (default: nobody when cairn runs as root, else cairn's own user; never root)." };
        var maxMemory = new Option<long>("--max-memory-bytes")
        {
            Description = "The most address space a script's process may have, in bytes (default 1 GiB; 0: no limit).",
            DefaultValueFactory = _ => ProcessLimits.DefaultMaxMemoryBytes,
        };
        var maxFiles = new Option<int>("--max-open-files")
        {
            Description = "The most files a script's process may have open (default 1024; 0: the worker's own limit).",
            DefaultValueFactory = _ => ProcessLimits.DefaultMaxOpenFiles,
        };
        var maxCpu = new Option<long?>("--max-cpu-seconds") { Description = "The most CPU time a script's process may use (default: from the job's timeout; 0: no limit)." };
        var command = new Command("worker", "Run script:* and pulzar:* jobs from a server's queues until Ctrl-C or SIGTERM.")
        {
            queues, concurrency, scripts, python, runAs, maxMemory, maxFiles, maxCpu,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var queueList = (parse.GetValue(queues) ?? JobNames.DefaultQueue)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (queueList.Length == 0 || queueList.Any(q => !JobNames.IsValidName(q)))
            {
                throw new ArgumentException($"--queues must name queues (letters, digits and . _ - :), comma-separated; got '{parse.GetValue(queues)}'.");
            }

            var slots = parse.GetValue(concurrency) ?? Environment.ProcessorCount;
            if (slots < 1)
            {
                throw new ArgumentException($"--concurrency must be at least 1; got {slots}.");
            }

            var directory = Path.GetFullPath(parse.GetValue(scripts)!);
            if (!Directory.Exists(directory))
            {
                throw new ArgumentException($"--scripts: there is no directory '{directory}'.");
            }

            var limits = new ProcessLimits
            {
                RunAs = parse.GetValue(runAs),
                MaxMemoryBytes = parse.GetValue(maxMemory),
                MaxOpenFiles = parse.GetValue(maxFiles),
                MaxCpuSeconds = parse.GetValue(maxCpu),
            };
            var sandbox = ProcessSandbox.Create(limits, "cairn worker", OptionName);
            var runner = new ScriptJobs(new ScriptJobOptions { Directory = directory, Python = parse.GetValue(python)!, Sandbox = sandbox });
            var options = new JobWorkerOptions
            {
                Queues = queueList,
                Concurrency = slots,
                Handlers = runner.Registrations,
            };
            var logger = new LineLogger(context.Error);

            // SIGTERM (a service manager's stop) and SIGINT (Ctrl-C) both stop the worker gracefully; taking them here
            // keeps the runtime from ending the process before running attempts are stopped and reported.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stopping.Cancel();
            }

            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            ct = stopping.Token;
            var worker = client.CreateJobWorker(options, logger);
            try
            {
                await worker.StartAsync(ct).ConfigureAwait(false);
                await context.Error.WriteLineAsync(
                    $"cairn worker {options.WorkerId}: running up to {slots} job(s) from {string.Join(", ", queueList)} on {client.Endpoint}, scripts in {directory} run as {sandbox.UserName ?? Environment.UserName}").ConfigureAwait(false);
                await context.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // SIGINT / SIGTERM: the way a worker is meant to stop.
            }
            finally
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"cairn worker {options.WorkerId}: stopped").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The option of a sandbox setting, for its error messages: <c>MaxMemoryBytes</c> is <c>--max-memory-bytes</c>.</summary>
    private static string OptionName(string setting) =>
        "--" + string.Concat(setting.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>The worker's log: one line per entry on standard error (warnings and up, and what each job did).</summary>
    private sealed class LineLogger(TextWriter output) : ILogger
    {
        private readonly Lock _gate = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message = message.TrimEnd('.', ' ') + ": " + exception.Message;
            }

            var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            lock (_gate)
            {
                output.WriteLine($"cairn worker: {Level(logLevel)}{line}");
                output.Flush();
            }
        }

        private static string Level(LogLevel level) => level switch
        {
            >= LogLevel.Error => "error: ",
            LogLevel.Warning => "warning: ",
            _ => "",
        };
    }
}

using System.Globalization;
using Cairn.Contracts;
using Cairn.Coordination;
using Cairn.Jobs;
using Cairn.Processes;
using Cairn.Server.Hosting;
using Cairn.Server.Modules.Volumes;
using Cairn.Volumes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Jobs;

/// <summary>
/// Jobs: <c>/v1/jobs</c> (enqueue, follow, cancel, retry; recurring jobs; the remote workers' claim, heartbeat, log and
/// complete), the seed's job routes on the Pulzar API (<c>launch_job</c>, <c>admin/jobs</c>, <c>cancel_job</c>, when
/// Volumes serves that API), an in-server worker for .NET handlers, scripts and seed-style Python jobs, the recurring
/// scheduler and the upkeep (due jobs, lost claims) on every node, and folding finished jobs as leader-only work.
/// Section <c>Jobs</c> (<see cref="JobsServerOptions"/>). Jobs are keys, so they travel in snapshots as they are.
/// </summary>
internal sealed class JobsModule : ICairnModule
{
    public const string Section = "Jobs";

    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    public string Name => "jobs";

    public CompatApi? Compat => null;

    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section(Section, typeof(JobsServerOptions), typeof(ProcessSettings)).With(SettingNode.Free("MaxConcurrency"))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<JobsServerOptions>(Section);
        if (!settings.Enabled)
        {
            return false;
        }

        var setup = Resolve(context, settings);
        services.AddSingleton(setup.Options);
        services.AddSingleton(sp => new JobStore(sp.GetRequiredService<Core.IKeyspace>(), setup.Options, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Jobs")));
        services.AddSingleton<Metrics.IScrapedMetrics, JobStateMetrics>();
        services.AddSingleton(sp => new RecurringJobs(sp.GetRequiredService<JobStore>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Jobs.Recurring")));
        services.AddSingleton(sp => new PulzarDataFiles(sp.GetService<BlobStore>(), setup.WorkDirectory, context.Time, setup.Sandbox));
        services.AddSingleton(sp => new ScriptJobs(new ScriptJobOptions
        {
            Directory = setup.Directory,
            Python = setup.Python,
            WorkDirectory = setup.WorkDirectory,
            PulzarDataPath = sp.GetRequiredService<PulzarDataFiles>().PathAsync,
            Sandbox = setup.Sandbox,
        }));
        if (setup.Workers > 0)
        {
            services.AddSingleton(sp => WorkerOptions(sp, context, setup));
            services.AddHostedService<JobWorkerService>();
        }

        services.AddHostedService<RecurringJobsService>();
        services.AddHostedService<JobMaintenanceService>();
        services.AddSingleton<JobFoldService>();
        if (context.Host.Cluster.Enabled)
        {
            services.AddSingleton<ILeaderService>(sp => sp.GetRequiredService<JobFoldService>());
        }
        else
        {
            // No election without a cluster: this node is the only one, and folds by itself.
            services.AddHostedService(sp => sp.GetRequiredService<JobFoldService>());
        }

        foreach (var route in JobsPulzarRoutes.Routes)
        {
            services.AddSingleton(route);
        }

        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => JobEndpoints.Map(endpoints);

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;

    /// <summary>The in-server worker: this node's queues, every script and the built-in handlers, files stored as blobs
    /// with <c>Jobs:ResultRetention</c> when Volumes is on.</summary>
    private static JobWorkerOptions WorkerOptions(IServiceProvider services, ModuleContext context, JobsSetup setup)
    {
        var scripts = services.GetRequiredService<ScriptJobs>();
        var blobs = services.GetService<BlobStore>();
        return new JobWorkerOptions
        {
            WorkerId = $"{context.NodeId}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}",
            Node = context.NodeId,
            Queues = setup.Queues,
            Concurrency = setup.Workers,
            Handlers = [.. scripts.Registrations, new JobHandlerRegistration(NoopJobHandler.Type, new NoopJobHandler())],
            Time = context.Time,
            StoreFile = blobs is null
                ? null
                : async (claim, name, content, cancellationToken) =>
                {
                    var key = string.Create(CultureInfo.InvariantCulture, $"jobs/{claim.JobId}/{claim.Attempt}/{name}");
                    var stored = await blobs.PutAsync(key, content, new BlobPutOptions { Ttl = setup.ResultRetention }, cancellationToken).ConfigureAwait(false);
                    return stored.Info.Key;
                },
        };
    }

    /// <exception cref="StartupException">A setting cannot work; the message names it.</exception>
    private static JobsSetup Resolve(ModuleContext context, JobsServerOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Directory))
        {
            throw new StartupException("Jobs:Directory must name the directory scripts are found in (default ./jobs).");
        }

        if (string.IsNullOrWhiteSpace(settings.Python))
        {
            throw new StartupException("Jobs:Python must name a Python interpreter (default python3).");
        }

        var workers = settings.Workers ?? Environment.ProcessorCount;
        if (workers is < 0 or > 1024)
        {
            throw new StartupException($"Jobs:Workers must be between 0 (this node runs no jobs) and 1024; got {workers}.");
        }

        var queues = context.List(Section + ":Queues");
        if (queues.Count == 0)
        {
            queues = [JobNames.DefaultQueue];
        }

        if (queues.FirstOrDefault(q => !JobNames.IsValidName(q)) is { } badQueue)
        {
            throw new StartupException($"Jobs:Queues has '{badQueue}', which is not a queue name (1-200 ASCII letters, digits and . _ - :).");
        }

        if (settings.MaxAttempts is < 1 or > 1000)
        {
            throw new StartupException($"Jobs:MaxAttempts must be between 1 and 1000; got {settings.MaxAttempts}.");
        }

        var claimTtl = Settings.Duration(Section + ":ClaimTtl", settings.ClaimTtl, TimeSpan.FromSeconds(30), max: TimeSpan.FromHours(1));
        if (claimTtl < TimeSpan.FromSeconds(1))
        {
            throw new StartupException($"Jobs:ClaimTtl must be at least 1s (workers heartbeat at a third of it); got {Core.Durations.Format(claimTtl)}.");
        }

        var backoff = Settings.Duration(Section + ":Backoff", settings.Backoff, TimeSpan.FromSeconds(15), zeroAllowed: true, max: MaxDuration);
        var maxBackoff = Settings.Duration(Section + ":MaxBackoff", settings.MaxBackoff, TimeSpan.FromHours(1), zeroAllowed: true, max: MaxDuration);
        if (maxBackoff < backoff)
        {
            throw new StartupException($"Jobs:MaxBackoff ({Core.Durations.Format(maxBackoff)}) must not be shorter than Jobs:Backoff ({Core.Durations.Format(backoff)}).");
        }

        var options = new JobsOptions
        {
            Time = context.Time,
            NodeId = context.NodeId,
            MaxAttempts = settings.MaxAttempts,
            Timeout = Settings.Duration(Section + ":Timeout", settings.Timeout, TimeSpan.FromHours(1), max: MaxDuration),
            ClaimTtl = claimTtl,
            Backoff = backoff,
            MaxBackoff = maxBackoff,
            Retention = Settings.Duration(Section + ":Retention", settings.Retention, TimeSpan.FromDays(7), max: MaxDuration),
            MisfireGrace = Settings.Duration(Section + ":MisfireGrace", settings.MisfireGrace, TimeSpan.FromMinutes(1), zeroAllowed: true, max: MaxDuration),
            MaxConcurrency = MaxConcurrency(context.Configuration.GetSection(Section + ":MaxConcurrency")),
        };

        var sandbox = ProcessSettings.Resolve(context, Section);
        return new JobsSetup(
            options,
            Path.GetFullPath(settings.Directory),
            settings.Python.Trim(),
            WorkDirectory(context, settings, sandbox),
            sandbox,
            workers,
            queues,
            Settings.Duration(Section + ":ResultRetention", settings.ResultRetention, TimeSpan.FromDays(7), max: MaxDuration));
    }

    /// <summary>
    /// <c>Jobs:WorkDirectory</c>: as set, else in the data directory when jobs run as the server's user, else a directory
    /// of the server's own under the temporary directory, since the jobs' user cannot enter the data directory (0700).
    /// Under a sandbox that switches users it is made now and must be the server's, so that a bad one is a start-up error
    /// rather than every job failing.
    /// </summary>
    private static string WorkDirectory(ModuleContext context, JobsServerOptions settings, ProcessSandbox sandbox)
    {
        string directory;
        if (!string.IsNullOrWhiteSpace(settings.WorkDirectory))
        {
            directory = Path.GetFullPath(settings.WorkDirectory);
            var data = Path.TrimEndingDirectorySeparator(context.DataDir) + Path.DirectorySeparatorChar;
            if (sandbox.SwitchesUser && (directory + Path.DirectorySeparatorChar).StartsWith(data, StringComparison.Ordinal))
            {
                throw new StartupException($"Jobs:WorkDirectory '{directory}' is inside the data directory, which jobs running as '{sandbox.UserName}' (Jobs:RunAs) cannot enter; choose a directory outside it.");
            }
        }
        else
        {
            directory = sandbox.SwitchesUser
                ? Path.Combine(Path.GetTempPath(), "cairn-jobs-" + Environment.UserName)
                : Path.Combine(context.DataDir, "jobs-work");
        }

        if (sandbox.SwitchesUser)
        {
            try
            {
                sandbox.PrepareWorkRoot(directory);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"Jobs:WorkDirectory: {e.Message}", e);
            }
        }

        return directory;
    }

    /// <summary><c>Jobs:MaxConcurrency:&lt;type&gt;</c> settings; a type may have colons (<c>script:x.sh</c>), which the
    /// configuration reads as nested sections, so the leaves are collected with their whole path.</summary>
    private static Dictionary<string, int> MaxConcurrency(IConfigurationSection section)
    {
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var leaf in section.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null))
        {
            var setting = Section + ":MaxConcurrency:" + leaf.Key;
            if (!int.TryParse(leaf.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
            {
                throw new StartupException($"{setting} must be a positive whole number (the most jobs of that type running at once); got '{leaf.Value}'.");
            }

            limits[leaf.Key] = limit;
        }

        return limits;
    }
}

/// <summary>The module's settings, resolved.</summary>
internal sealed record JobsSetup(
    JobsOptions Options,
    string Directory,
    string Python,
    string WorkDirectory,
    ProcessSandbox Sandbox,
    int Workers,
    IReadOnlyList<string> Queues,
    TimeSpan ResultRetention);

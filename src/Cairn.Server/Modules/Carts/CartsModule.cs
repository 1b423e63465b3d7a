using Cairn.Carts;
using Cairn.Carts.Archives;
using Cairn.Server.Hosting;
using Cairn.Volumes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// Carts: pacifica-cartd's staged downloads at <c>/v1/carts</c> (JSON status with files, bytes and ETA, a cart's progress
/// as SSE or WebSocket, the tar with <c>Range</c> and <c>ETag</c>, proxied from the node that keeps it), the seed's API at
/// <c>/compat/cartd</c> and on <c>Carts:Listen</c>, and this node's part of the work (<see cref="CartNode"/>: its cache
/// volume, staging from the archives, the LRU purge). Section <c>Carts</c> (<see cref="CartsServerOptions"/>). Archives:
/// <c>pacifica</c> (the archive interface at <c>Carts:ArchiveUrl</c>), <c>directory</c> (when
/// <c>Carts:ArchiveDirectory</c> is set) and <c>blobs</c> (Cairn's own, when Volumes is on).
/// </summary>
internal sealed class CartsModule : ICairnModule
{
    public const string Section = "Carts";

    /// <summary>The setting of the cartd compat API's own listeners.</summary>
    public const string ListenSetting = Section + ":Listen";

    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    private CompatApi? _compat;

    public string Name => "carts";

    public CompatApi? Compat => _compat;

    // Uids are read from the raw path: a '.' or '..' segment is refused rather than resolved into another route.
    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section(Section, typeof(CartsServerOptions)).With(SettingNode.StringList("Listen"))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [CartEndpoints.Prefix + "/", CartEndpoints.InternalPrefix + "/", CartsCompatEndpoints.Prefix + "/"];

    // Claims and volume records are leased keys of running nodes.
    public IReadOnlyList<string> SnapshotExcludes { get; } = [Cairn.Carts.CartKeys.ClaimsPrefix, Cairn.Carts.CartKeys.VolumesPrefix];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<CartsServerOptions>(Section);

        // The seed's clients are other services (its proxy, the notification service): sockets 0666 unless they say otherwise.
        var listeners = context.Listeners(ListenSetting, UnixSocketOptions.Shared);
        if (!settings.Enabled)
        {
            return listeners.Count == 0
                ? false
                : throw new StartupException($"{ListenSetting} is set but {Section}:Enabled is false; enable carts or remove its listeners.");
        }

        var setup = Resolve(context, settings);
        services.AddSingleton(setup);
        services.AddSingleton(setup.Options);
        services.AddSingleton<CartArchiveHttp>();
        services.AddSingleton(sp => Archives(sp, setup));
        services.AddSingleton(sp => new CartStore(sp.GetRequiredService<Core.IKeyspace>(), setup.Options, sp.GetRequiredService<CartArchives>(), context.Time));
        services.AddSingleton(sp => new LocalCarts(new CartNode(
            sp.GetRequiredService<Core.IKeyspace>(),
            sp.GetRequiredService<CartStore>(),
            sp.GetRequiredService<CartArchives>(),
            setup.Options,
            setup.Directory,
            context.NodeId,
            context.Time,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Carts"))));
        services.AddSingleton<CartProxy>();
        services.AddHostedService<CartsService>();
        _compat = new CompatApi("cartd", "cartd", CartsCompatEndpoints.Prefix, ListenSetting, listeners, CartsCompatEndpoints.Map);
        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => CartEndpoints.Map(endpoints);

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;

    private static CartArchives Archives(IServiceProvider services, CartsSetup setup)
    {
        var http = services.GetRequiredService<CartArchiveHttp>();
        var archives = new List<ICartArchive> { new PacificaArchive(http.Client, setup.ArchiveUrl, setup.ArchiveTimeout) };
        if (setup.ArchiveDirectory is { } directory)
        {
            archives.Add(new DirectoryArchive(directory));
        }

        if (setup.BlobArchive && services.GetService<BlobStore>() is { } blobs)
        {
            archives.Add(new BlobCartArchive(blobs));
        }

        return new CartArchives(archives, setup.Options.DefaultArchive);
    }

    /// <exception cref="StartupException">A setting cannot work; the message names it.</exception>
    private static CartsSetup Resolve(ModuleContext context, CartsServerOptions settings)
    {
        var directory = string.IsNullOrWhiteSpace(settings.Directory) ? Path.Combine(context.DataDir, "carts") : Path.GetFullPath(settings.Directory);
        if (!Uri.TryCreate(settings.ArchiveUrl?.Trim(), UriKind.Absolute, out var archiveUrl) || archiveUrl.Scheme is not ("http" or "https"))
        {
            throw new StartupException($"{Section}:ArchiveUrl must be the Pacifica archive interface's http:// or https:// URL (ARCHIVE_INTERFACE_URL); got '{settings.ArchiveUrl}'.");
        }

        string? archiveDirectory = null;
        if (!string.IsNullOrWhiteSpace(settings.ArchiveDirectory))
        {
            archiveDirectory = Path.GetFullPath(settings.ArchiveDirectory);
            if (!System.IO.Directory.Exists(archiveDirectory))
            {
                throw new StartupException($"{Section}:ArchiveDirectory '{archiveDirectory}' does not exist; name the directory whose files carts may ask for, or leave it unset.");
            }
        }

        var blobArchive = settings.BlobArchive && context.Configuration.GetValue("Volumes:Enabled", true);
        var defaultArchive = string.IsNullOrWhiteSpace(settings.Archive) ? "pacifica" : settings.Archive.Trim();
        var available = new List<string> { "pacifica" };
        if (archiveDirectory is not null)
        {
            available.Add("directory");
        }

        if (blobArchive)
        {
            available.Add("blobs");
        }

        if (!available.Contains(defaultArchive, StringComparer.Ordinal))
        {
            throw new StartupException($"{Section}:Archive is '{defaultArchive}', which is not configured here; configured: {string.Join(", ", available)}.");
        }

        var transferSize = Size("TransferSize", settings.TransferSize, 4L << 20);
        if (transferSize is < 1 or > 1L << 30)
        {
            throw new StartupException($"{Section}:TransferSize must be between 1 byte and 1 Gb (TRANSFER_SIZE); got '{settings.TransferSize}'.");
        }

        var pollInitial = Duration("PollInitial", settings.PollInitial, TimeSpan.FromSeconds(1));
        var pollMax = Duration("PollMax", settings.PollMax, TimeSpan.FromSeconds(60));
        if (pollMax < pollInitial)
        {
            throw new StartupException($"{Section}:PollMax ({Core.Durations.Format(pollMax)}) must not be shorter than {Section}:PollInitial ({Core.Durations.Format(pollInitial)}).");
        }

        var retryInitial = Duration("RetryInitial", settings.RetryInitial, TimeSpan.FromSeconds(1));
        var retryMax = Duration("RetryMax", settings.RetryMax, TimeSpan.FromSeconds(30));
        if (retryMax < retryInitial)
        {
            throw new StartupException($"{Section}:RetryMax ({Core.Durations.Format(retryMax)}) must not be shorter than {Section}:RetryInitial ({Core.Durations.Format(retryInitial)}).");
        }

        var claimTtl = Settings.Duration(Section + ":ClaimTtl", settings.ClaimTtl, TimeSpan.FromSeconds(10), max: TimeSpan.FromHours(1));
        if (claimTtl < TimeSpan.FromSeconds(1))
        {
            throw new StartupException($"{Section}:ClaimTtl must be at least 1s (the node keeps its lease alive at a third of it); got {Core.Durations.Format(claimTtl)}.");
        }

        var options = new CartOptions
        {
            TransferSize = (int)transferSize,
            Parallelism = Count("Parallelism", settings.Parallelism, 4, 1, 256),
            MaxActiveCarts = Count("MaxActiveCarts", settings.MaxActiveCarts, 8, 0, 10_000),
            StageTimeout = Duration("StageTimeout", settings.StageTimeout, TimeSpan.FromHours(1)),
            PollInitial = pollInitial,
            PollMax = pollMax,
            Attempts = Count("Attempts", settings.Attempts, 5, 1, 1000),
            RetryInitial = retryInitial,
            RetryMax = retryMax,
            ClaimTtl = claimTtl,
            LruBufferTime = Settings.Duration(Section + ":LruBufferTime", settings.LruBufferTime, TimeSpan.Zero, zeroAllowed: true, max: MaxDuration),
            LruPurge = Switch("LruPurge", settings.LruPurge, true),
            BundleByDefault = Switch("BundleTask", settings.BundleTask, false),
            DefaultArchive = defaultArchive,
            MinFreeBytes = Size("MinFreeBytes", settings.MinFreeBytes, 64L << 20),
            MaxFiles = Count("MaxFiles", settings.MaxFiles, 100_000, 1, 10_000_000),
            ProgressInterval = Duration("ProgressInterval", settings.ProgressInterval, TimeSpan.FromSeconds(1)),

            // Without the cluster (one node by definition) nothing is leased or published: an idle node leaves the store
            // as empty as new, as Cluster:Enabled=false promises.
            Standalone = !context.Host.Cluster.Enabled,
        };
        return new CartsSetup(options, directory, archiveUrl, archiveDirectory, blobArchive, Duration("ArchiveTimeout", settings.ArchiveTimeout, TimeSpan.FromSeconds(60)));
    }

    private static TimeSpan Duration(string name, string? value, TimeSpan fallback) =>
        Settings.Duration(Section + ":" + name, value, fallback, max: MaxDuration);

    private static long Size(string name, string? value, long fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        return CartSizes.TryParse(value, out var bytes)
            ? bytes
            : throw new StartupException($"{Section}:{name} must be a size ({CartSizes.Forms}); got '{value}'.");
    }

    private static bool Switch(string name, string? value, bool fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        return CartSizes.TryParseSwitch(value, out var on)
            ? on
            : throw new StartupException($"{Section}:{name} must be on or off (true/false, 1/0, yes/no); got '{value}'.");
    }

    private static int Count(string name, int? value, int fallback, int min, int max) =>
        (value ?? fallback) is var count && count >= min && count <= max
            ? count
            : throw new StartupException($"{Section}:{name} must be between {min} and {max}; got {value}.");
}

/// <summary>The module's settings, resolved.</summary>
internal sealed record CartsSetup(
    CartOptions Options,
    string Directory,
    Uri ArchiveUrl,
    string? ArchiveDirectory,
    bool BlobArchive,
    TimeSpan ArchiveTimeout);

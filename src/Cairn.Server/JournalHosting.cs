using Cairn.Coordination;
using Cairn.Core;
using Cairn.Journal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>The journal's settings once the data directory, the seed config file and the defaults are applied.</summary>
/// <param name="Options">The module's options.</param>
/// <param name="SeedConfig">The seed config file read, if one was given.</param>
internal sealed record JournalSetup(JournalOptions Options, JournalSeedConfig? SeedConfig)
{
    /// <summary>Resolves <paramref name="settings"/> against <paramref name="dataDir"/>; reads the seed config file.</summary>
    /// <exception cref="StartupException">A setting cannot work.</exception>
    public static JournalSetup Resolve(JournalServerOptions settings, string dataDir, string nodeId)
    {
        if (settings.MaxMessageBytes <= 0)
        {
            throw new StartupException($"Journal:MaxMessageBytes must be positive; got {settings.MaxMessageBytes}.");
        }

        var foldAge = Duration("FoldAge", settings.FoldAge, zeroAllowed: true);
        var retention = Duration("Retention", settings.Retention, zeroAllowed: true);
        var exportInterval = Duration("ExportInterval", settings.ExportInterval, zeroAllowed: false);
        var resyncInterval = Duration("ResyncInterval", settings.ResyncInterval, zeroAllowed: false);

        var seed = settings.Config is { Length: > 0 } file ? JournalSeedConfig.Read(file) : null;

        // An explicit Journal:Secondary (setting, variable or flag) wins over the seed file, which wins over the default.
        var secondary = settings.Secondary ?? seed?.Secondary ?? Path.Combine(dataDir, "journal-secondary");
        var export = settings.ExportDir ?? Path.Combine(dataDir, "journal-export");
        var options = new JournalOptions
        {
            SecondaryDirectory = secondary.Length == 0 ? null : Path.GetFullPath(secondary),
            ExportDirectory = export.Length == 0 ? null : Path.GetFullPath(export),
            FoldAge = foldAge,
            ExportInterval = exportInterval,
            Retention = retention,
            ResyncInterval = resyncInterval,
            MaxMessageBytes = settings.MaxMessageBytes,
            NodeId = nodeId,
            Time = TimeProvider.System,
        };
        return new JournalSetup(options, seed);
    }

    // A plain number is seconds; anything else must be [d.]hh:mm:ss.
    private static TimeSpan Duration(string name, string text, bool zeroAllowed)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        TimeSpan? span = null;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var seconds))
        {
            if (double.IsFinite(seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
            {
                span = TimeSpan.FromSeconds(seconds);
            }
        }
        else if (TimeSpan.TryParse(text, invariant, out var parsed) && parsed >= TimeSpan.Zero)
        {
            span = parsed;
        }

        return span is { } value && (zeroAllowed || value > TimeSpan.Zero)
            ? value
            : throw new StartupException($"Journal:{name} must be a {(zeroAllowed ? "" : "positive ")}duration, seconds or [d.]hh:mm:ss (e.g. 300 or 00:05:00); got '{text}'.");
    }

    /// <summary>The journal on <paramref name="store"/>. (Its export directory is the archiver's to create, when it
    /// exports: like the secondary, it may be a mount that is not there yet.)</summary>
    public JournalService CreateService(IKeyspace store, ILogger logger)
    {
        try
        {
            return new JournalService(store, Options, logger);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot use the journal's secondary directory '{Options.SecondaryDirectory}' (Journal:Secondary): {ex.Message}", ex);
        }
    }
}

/// <summary>Replays the journal's secondary into the store every <c>Journal:ResyncInterval</c>, on every node.</summary>
internal sealed class JournalResyncService(JournalService journal) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await journal.RunResyncLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The journal archiver (fold, export, retention every <c>Journal:ExportInterval</c>) as leader-only work.
/// An adapter here because Cairn.Journal does not depend on Cairn.Coordination.</summary>
internal sealed class JournalArchiveLeaderService(JournalArchiver archiver) : ILeaderService
{
    public string Name => "journal-archive";

    public Task RunAsync(CancellationToken cancellationToken) => archiver.RunAsync(cancellationToken);
}

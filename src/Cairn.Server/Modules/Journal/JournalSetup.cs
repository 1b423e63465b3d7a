using Cairn.Core;
using Cairn.Journal;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Journal;

/// <summary>The journal's settings once the data directory, the seed config file and the defaults are applied.</summary>
/// <param name="Options">The module's options.</param>
/// <param name="SeedConfig">The seed config file read, if one was given.</param>
internal sealed record JournalSetup(JournalOptions Options, JournalSeedConfig? SeedConfig)
{
    /// <summary>Journal:InlineThreshold unless set: small values keep etcd (and history segments) lean, and a file is
    /// cheaper than a keyspace value from about this size.</summary>
    public const int DefaultInlineThreshold = 64 * 1024;

    /// <summary>Resolves <paramref name="settings"/> against the data directory; reads the seed config file.</summary>
    /// <exception cref="StartupException">A setting cannot work.</exception>
    public static JournalSetup Resolve(ModuleContext context, JournalServerOptions settings)
    {
        if (settings.MaxMessageBytes <= 0)
        {
            throw new StartupException($"Journal:MaxMessageBytes must be positive; got {settings.MaxMessageBytes}.");
        }

        // An entry kept inline is one value of the store: above the store's value limit, it could never be written.
        var maxValue = context.Host.Limits.MaxValueBytes;
        var inlineThreshold = settings.InlineThreshold ?? Math.Min(DefaultInlineThreshold, maxValue);
        if (inlineThreshold <= 0 || inlineThreshold > maxValue)
        {
            throw new StartupException($"Journal:InlineThreshold must be between 1 and Limits:MaxValueBytes ({maxValue}); got {inlineThreshold}.");
        }

        var seed = settings.Config is { Length: > 0 } file ? JournalSeedConfig.Read(file) : null;

        // An explicit Journal:Secondary (setting, variable or flag) wins over the seed file, which wins over the default.
        var secondary = settings.Secondary ?? seed?.Secondary ?? Path.Combine(context.DataDir, "journal-secondary");
        var export = settings.ExportDir ?? Path.Combine(context.DataDir, "journal-export");
        var options = new JournalOptions
        {
            SecondaryDirectory = secondary.Length == 0 ? null : Path.GetFullPath(secondary),
            ExportDirectory = export.Length == 0 ? null : Path.GetFullPath(export),
            FoldAge = Settings.Duration("Journal:FoldAge", settings.FoldAge, TimeSpan.FromHours(1), zeroAllowed: true),
            ExportInterval = Settings.Duration("Journal:ExportInterval", settings.ExportInterval, TimeSpan.FromMinutes(5)),
            Retention = Settings.Duration("Journal:Retention", settings.Retention, TimeSpan.FromDays(30), zeroAllowed: true),
            ResyncInterval = Settings.Duration("Journal:ResyncInterval", settings.ResyncInterval, TimeSpan.FromSeconds(5)),
            MaxMessageBytes = settings.MaxMessageBytes,
            InlineThreshold = inlineThreshold,
            NodeId = context.NodeId,
            Time = context.Time,
        };
        return new JournalSetup(options, seed);
    }

    /// <summary>The journal on <paramref name="store"/>, keeping large messages in <paramref name="largeMessages"/>
    /// when given. (Its export directory is the archiver's to create, when it exports: like the secondary, it may be a
    /// mount that is not there yet.)</summary>
    /// <exception cref="StartupException">The secondary directory cannot be used.</exception>
    public JournalService CreateService(IKeyspace store, ILogger logger, ILargeMessageStore? largeMessages)
    {
        try
        {
            return new JournalService(store, Options, logger, largeMessages);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot use the journal's secondary directory '{Options.SecondaryDirectory}' (Journal:Secondary): {ex.Message}", ex);
        }
    }
}

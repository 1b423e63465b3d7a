using Cairn.Journal;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// The journal's background work on every node: replays the secondary into the store every <c>Journal:ResyncInterval</c>.
/// Taking the journal in its constructor makes an unusable secondary a start-up error; it says at start where the
/// journal keeps things.
/// </summary>
internal sealed partial class JournalResyncService(JournalService journal, JournalSetup setup, CairnOptions host, ILogger<JournalResyncService> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var seedPrimary = setup.SeedConfig is { Primary: { } primary } seed
            ? $" ('{primary}' in {seed.Path} is informational and does not switch the backend)"
            : "";
        LogJournal(logger, host.Backend, seedPrimary, setup.Options.SecondaryDirectory ?? "none", setup.Options.ExportDirectory ?? "none");
        return base.StartAsync(cancellationToken);
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal: primary is this server's {Backend} store{SeedPrimary}; secondary {Secondary}; export {Export}")]
    private static partial void LogJournal(ILogger logger, string backend, string seedPrimary, string secondary, string export);
}

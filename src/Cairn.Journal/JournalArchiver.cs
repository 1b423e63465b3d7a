using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Journal;

/// <summary>
/// Folds finished requests into history segments, exports segments as numbered gzip CSV files, and removes exported
/// history older than the retention age. Leader-only work: the store is shared, one node doing it is enough.
/// </summary>
public sealed partial class JournalArchiver
{
    private readonly JournalService _journal;
    private readonly ILogger _logger;

    /// <summary>An archiver of <paramref name="journal"/>'s store, with its options.</summary>
    public JournalArchiver(JournalService journal, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journal = journal;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>One pass: fold, export, retention.</summary>
    public Task<ExportReport> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        _ = _journal;
        _ = _logger;
        _ = cancellationToken;
        throw new NotSupportedException("Written in the archive branch.");
    }

    /// <summary>Runs <see cref="RunOnceAsync"/> every <see cref="JournalOptions.ExportInterval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(_journal.Options.ExportInterval, _journal.Options.Time, cancellationToken).ConfigureAwait(false);
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

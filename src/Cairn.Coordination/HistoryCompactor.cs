using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Coordination;

/// <summary>
/// Compacts history every <c>interval</c>, keeping the last <c>retainRevisions</c> revisions readable (and watchable
/// from). A leader-only service: the store is shared, so one node compacting is enough.
/// </summary>
public sealed partial class HistoryCompactor : ILeaderService
{
    private readonly IKeyspace _store;
    private readonly long _retain;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _compactions;

    /// <summary>Compacts <paramref name="store"/> every <paramref name="interval"/>, keeping <paramref name="retainRevisions"/>.</summary>
    public HistoryCompactor(IKeyspace store, long retainRevisions, TimeSpan interval, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(retainRevisions);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _store = store;
        _retain = retainRevisions;
        _interval = interval;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "compaction";

    /// <summary>How many compactions this instance has done.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(_interval, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                await CompactOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CairnException ex) when (ex is CompactedException or FutureRevisionException || ex.IsTransient)
            {
                // Someone compacted further meanwhile, or the store is out of reach: try again next time.
                LogSkipped(_logger, ex.Message);
            }
        }
    }

    /// <summary>Compacts once, if there is history older than the retained window; returns the new compaction point or null.</summary>
    public async Task<long?> CompactOnceAsync(CancellationToken cancellationToken = default)
    {
        var status = await _store.StatusAsync(cancellationToken).ConfigureAwait(false);
        var target = status.Revision - _retain;
        if (target <= status.CompactRevision || target < 1)
        {
            return null;
        }

        await _store.CompactAsync(target, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _compactions);
        LogCompacted(_logger, target, status.Revision);
        return target;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted history below revision {Target} (current {Revision})")]
    private static partial void LogCompacted(ILogger logger, long target, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compaction skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}

using System.Globalization;
using System.Text;
using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Journal;

/// <summary>
/// Folds finished requests into history segments, exports segments as numbered gzip CSV files, and removes exported
/// history older than the retention age. Leader-only work: the store is shared, one node doing it is enough.
/// </summary>
/// <remarks>
/// The archiver keeps no state of its own: everything it needs to resume (the next segment number, the export cursor)
/// is in the store and advanced under compares, so a new archiver — after a crash, a restart or a change of leader —
/// picks up exactly where the last one stopped, and two archivers that overlap for a moment do not fold a request
/// twice, skip a segment or export one twice under different names. See <see cref="RunOnceAsync"/> for the steps.
/// </remarks>
public sealed partial class JournalArchiver
{
    // etcd refuses a txn with more than 128 ops in a branch (and more than 128 compares): a folded request costs four
    // ops (pointer, steps, summary, open index) and two compares, a segment two more ops.
    private const int MaxTxnOps = 128;
    private const int OpsPerRequest = 4;
    private const int MaxRequestsPerSegment = (MaxTxnOps - 2) / OpsPerRequest;

    // etcd refuses a request over 1.5 MiB and every backend a value over 1 MiB: a fold txn carries the segment and
    // the pointers, and stays under this.
    private const int MaxSegmentTxnBytes = 1_000_000;

    private const int MaxAttempts = 8;

    private readonly JournalService _journal;
    private readonly ILogger _logger;

    /// <summary>An archiver of <paramref name="journal"/>'s store, with its options.</summary>
    public JournalArchiver(JournalService journal, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journal = journal;
        _logger = logger ?? NullLogger.Instance;
    }

    private IKeyspace Store => _journal.Store;

    private JournalOptions Options => _journal.Options;

    /// <summary>
    /// One pass: fold finished requests older than <see cref="JournalOptions.FoldAge"/> into new segments; write every
    /// segment not yet exported to <see cref="JournalOptions.ExportDirectory"/> (when set); remove exported segments
    /// older than <see cref="JournalOptions.Retention"/>, with their large messages; remove large messages left by a
    /// crash (no step took them within <see cref="JournalOptions.PendingGrace"/>). Safe to interrupt at any point: the
    /// next pass (on any node) finishes the work without losing or repeating a row.
    /// </summary>
    public async Task<ExportReport> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var folded = await FoldAsync(cancellationToken).ConfigureAwait(false);
        var files = await ExportAsync(cancellationToken).ConfigureAwait(false);
        var removed = await RemoveExpiredAsync(cancellationToken).ConfigureAwait(false);
        var abandoned = await RemoveAbandonedAsync(cancellationToken).ConfigureAwait(false);
        if (abandoned > 0)
        {
            LogAbandoned(_logger, abandoned);
        }

        if (folded > 0 || files.Count > 0 || removed > 0)
        {
            LogPass(_logger, folded, files.Count, removed);
        }

        return new ExportReport(folded, files, removed);
    }

    /// <summary>
    /// Runs <see cref="RunOnceAsync"/> every <see cref="JournalOptions.ExportInterval"/> until cancelled. A pass that
    /// fails (store unavailable, export directory not writable) is logged and tried again at the next interval.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(_journal.Options.ExportInterval, _journal.Options.Time, cancellationToken).ConfigureAwait(false);
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogPassFailed(_logger, ex.Message);
            }
        }
    }

    // A counter key (next segment, export cursor): its value (1 when absent) and mod revision (0 when absent).
    private async Task<(long Value, long ModRevision)> ReadCounterAsync(string key, CancellationToken cancellationToken)
    {
        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Single(key)), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? (1, 0) : (ParseCounter(result.Kvs[0]), result.Kvs[0].ModRevision);
    }

    private static long ParseCounter(KeyValue kv) =>
        long.Parse(Encoding.ASCII.GetString(kv.Value.Span), NumberStyles.None, CultureInfo.InvariantCulture);

    private static byte[] EncodeCounter(long value) =>
        Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal archive pass: folded {Folded} requests, exported {Files} segments, removed {Removed} segments")]
    private static partial void LogPass(ILogger logger, int folded, int files, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal archive pass failed, will retry at the next interval: {Reason}")]
    private static partial void LogPassFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal request {Txid} is too large to fold into one history segment ({Bytes} bytes); it stays in the primary")]
    private static partial void LogTooLarge(ILogger logger, string txid, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal fold of {Count} requests kept losing races with concurrent writers; they are tried again at the next pass")]
    private static partial void LogFoldContended(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal segment {Segment} is past retention but kept: its {Count} large messages are in Volumes, which is not enabled on this node")]
    private static partial void LogKeptForLargeMessages(ILogger logger, long segment, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} large journal messages that no step took (left by a crash or a failed append)")]
    private static partial void LogAbandoned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal segment {Segment} was removed before it was exported (export was off); skipped")]
    private static partial void LogSkippedRemoved(ILogger logger, long segment);
}

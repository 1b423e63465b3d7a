using Cairn.Core;
using Cairn.Core.IO;
using Cairn.Storage.Space;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// Raises and clears the <see cref="SpaceAlarm"/>: every <see cref="Interval"/>, and at once after space was freed
/// through the API while it is raised. A local store (<see cref="ISpaceReporting"/>) is measured against
/// <see cref="SpaceQuota"/> with its filesystem's free space; while it is short, the store gives back what it can (its
/// WAL). A remote store is measured by its size, when a quota is set; otherwise its own quota (etcd's) speaks through
/// its no-space errors, which raise the alarm until the next look. Beside a local store it keeps a
/// <see cref="SpaceReserve"/>, made when the disk has room for it and given back (<see cref="ReleaseReserveAsync"/>) when a
/// delete or a compaction finds the disk full to the last byte.
/// </summary>
internal sealed partial class SpaceMonitor(IKeyspace store, SpaceAlarm alarm, SpaceQuota quota, TimeProvider time, ILogger<SpaceMonitor> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    // What the last full look found, for the quick looks between them: the room free inside the store, its directory.
    private long _used;
    private long _reusable;
    private string? _directory;

    // Bytes of disk that writes may take before the next quick look: half the room the last look saw.
    private long _budget;

    // The room kept for deletes and compaction on a full disk, once the store's directory is known.
    private SpaceReserve? _reserve;

    // What a write takes on disk at most, per byte of key and value and per write: the value goes into the live table
    // and the history, each written to the write-ahead log and then to the database; and a write changes a few pages.
    private const long DiskBytesPerByte = 4;
    private const long DiskBytesPerWrite = 16 * 1024;

    /// <summary>How often the store's space is looked at.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Asks for a look now (after a delete or compaction while the alarm is raised).</summary>
    public void CheckSoon()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A look is already asked for.
        }
    }

    /// <summary>
    /// Before a write that adds <paramref name="bytes"/> of keys and values: once the writes since the last look may have
    /// taken half the room it saw, a look at the write-ahead log's size and the filesystem's free space (a <c>stat</c>
    /// and a <c>statvfs</c>) with the rest as the last full look found it, which raises the alarm when the floor is
    /// reached; clearing it is left to the full look. A disk fills faster than the periodic look sees (a 256 KiB put
    /// takes about 1 MiB of disk until checkpointed), and looking before every write cost 5–15 % of the puts per
    /// second: far from full, a look is rare.
    /// </summary>
    public void QuickLook(long bytes)
    {
        if (Interlocked.Add(ref _budget, -(bytes * DiskBytesPerByte + DiskBytesPerWrite)) > 0)
        {
            return;
        }

        var directory = Volatile.Read(ref _directory);
        if (directory is null || alarm.IsRaised || store is not ISpaceReporting local)
        {
            return;
        }

        try
        {
            var (used, reusable, pending, disk) = (Interlocked.Read(ref _used), Interlocked.Read(ref _reusable), local.PendingBytes, DiskSpace.Of(directory));
            Interlocked.Exchange(ref _budget, quota.Headroom(used, reusable, pending, disk) / 2);
            if (quota.Evaluate(used, reusable, pending, disk) is { } reason)
            {
                LogRaised(logger, reason);
                alarm.Raise(reason, time.GetUtcNow());
            }
        }
        catch (IOException ex)
        {
            LogCheckFailed(logger, ex.Message);
        }
    }

    /// <summary>Gives back the reserved room beside a local store, when a write that frees space found the disk full, and
    /// has the store checkpoint its write-ahead log in it and truncate the log (which gives back the log's room: the
    /// reserve is as large as the log may grow).</summary>
    /// <returns>Whether room was given back (the write may be tried again).</returns>
    public async ValueTask<bool> ReleaseReserveAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Volatile.Read(ref _reserve)?.Release() != true)
            {
                return false;
            }
        }
        catch (IOException ex)
        {
            LogCheckFailed(logger, ex.Message);
            return false;
        }

        LogReserveReleased(logger);
        if (store is ISpaceReporting local)
        {
            await local.ReclaimAsync(cancellationToken).ConfigureAwait(false);
        }

        CheckSoon();
        return true;
    }

    /// <summary>Looks once: raises or clears the alarm. A store that does not answer leaves the alarm as it is.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reason = await EvaluateAsync(cancellationToken).ConfigureAwait(false);
            if (reason is not null && store is ISpaceReporting local)
            {
                await local.ReclaimAsync(cancellationToken).ConfigureAwait(false);
                reason = await EvaluateAsync(cancellationToken).ConfigureAwait(false);
            }

            if (reason is null)
            {
                if (alarm.IsRaised)
                {
                    alarm.Clear();
                    LogCleared(logger);
                }
            }
            else
            {
                if (!alarm.IsRaised)
                {
                    LogRaised(logger, reason);
                }

                alarm.Raise(reason, time.GetUtcNow());
            }
        }
        catch (Exception ex) when (ex is CairnException or IOException or UnauthorizedAccessException)
        {
            LogCheckFailed(logger, ex.Message);
        }
    }

    private async Task<string?> EvaluateAsync(CancellationToken cancellationToken)
    {
        if (store is ISpaceReporting local)
        {
            var space = await local.SpaceAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _used, space.UsedBytes);
            Interlocked.Exchange(ref _reusable, space.ReusableBytes);
            Volatile.Write(ref _directory, space.Directory);
            var disk = DiskSpace.Of(space.Directory);
            var headroom = quota.Headroom(space.UsedBytes, space.ReusableBytes, space.PendingBytes, disk);
            KeepReserve(space.Directory, headroom, quota.MinFreeOn(disk.Total));
            Interlocked.Exchange(ref _budget, headroom / 2);
            return quota.Evaluate(space.UsedBytes, space.ReusableBytes, space.PendingBytes, disk);
        }

        if (quota.QuotaBytes > 0)
        {
            var status = await store.StatusAsync(cancellationToken).ConfigureAwait(false);
            return quota.Evaluate(status.SizeBytes, 0, 0, null);
        }

        // No quota of Cairn's: a no-space error of the backend's raised the alarm; the next write tries again.
        return null;
    }

    // Makes the reserve when it is missing (Ensure looks) and the disk has room for twice its size above the floor (so
    // that making it does not itself raise the alarm).
    private void KeepReserve(string directory, long headroom, long floor)
    {
        var reserve = Volatile.Read(ref _reserve);
        if (reserve is null)
        {
            reserve = new SpaceReserve(Path.Combine(directory, SpaceReserve.FileName));
            Volatile.Write(ref _reserve, reserve);
        }

        var size = SpaceReserve.SizeFor(floor);
        if (headroom <= 2 * size)
        {
            return;
        }

        try
        {
            if (reserve.Ensure(size))
            {
                LogReserveMade(logger, size);
            }
        }
        catch (IOException ex)
        {
            LogCheckFailed(logger, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                // Whichever comes first: a wake-up or the interval. The other is cancelled (a cancelled wait takes
                // nothing from the semaphore).
                await Task.WhenAny(_wake.WaitAsync(round.Token), Task.Delay(Interval, time, round.Token)).ConfigureAwait(false);
                await round.CancelAsync().ConfigureAwait(false);
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await CheckAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Out of space, not accepting writes that add data (deletes and compaction still work): {Reason}")]
    private static partial void LogRaised(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Space is back: accepting writes again")]
    private static partial void LogCleared(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The disk is full: gave back the reserved room (cairn.reserve) so that deletes and compaction can run; it is made again once the disk has room")]
    private static partial void LogReserveReleased(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reserved {Bytes} bytes beside the store (cairn.reserve) for deletes and compaction on a full disk")]
    private static partial void LogReserveMade(ILogger logger, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not measure the store's space: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}

using Cairn.Core;

namespace Cairn.Journal;

public sealed partial class JournalArchiver
{
    /// <summary>
    /// Writes every segment from the export cursor up to the last one as its file, in order, and advances the cursor
    /// after each. The order of effects is what makes it crash-safe: the file is complete and durable (temporary file,
    /// fsync, rename over the final name, fsync of the directory) before the cursor moves past it; a crash before the
    /// cursor moves makes the next pass write the same file again, with the same bytes (the file is a pure function of
    /// the immutable segment). So every row is in exactly one file, whatever is killed when.
    /// </summary>
    private async Task<List<string>> ExportAsync(CancellationToken cancellationToken)
    {
        var files = new List<string>();
        if (Options.ExportDirectory is not { Length: > 0 } configured)
        {
            return files;
        }

        var directory = Path.GetFullPath(configured);
        Directory.CreateDirectory(directory);
        var (cursor, cursorRevision) = await ReadCounterAsync(JournalKeys.ExportCursor, cancellationToken).ConfigureAwait(false);
        var (next, _) = await ReadCounterAsync(JournalKeys.NextSegment, cancellationToken).ConfigureAwait(false);
        RemoveTemporaries(directory, below: cursor);
        while (cursor < next)
        {
            var segment = await JournalHistory.ReadSegmentAsync(Store, cursor, cancellationToken).ConfigureAwait(false);
            if (segment is null)
            {
                // Below the next number and absent: retention removed it while export was off. Nothing to write.
                LogSkippedRemoved(_logger, cursor);
            }
            else
            {
                var path = Path.Combine(directory, JournalExportFile.NameOf(cursor));
                await WriteDurablyAsync(directory, path, segment, cancellationToken).ConfigureAwait(false);
                files.Add(path);
            }

            var advance = await Store.TxnAsync(
                new TxnRequest(
                    [Compare.ModRevision(JournalKeys.ExportCursor, CompareResult.Equal, cursorRevision)],
                    [new PutRequest(JournalKeys.ExportCursor, EncodeCounter(cursor + 1))],
                    [new RangeRequest(KeyRange.Single(JournalKeys.ExportCursor))]),
                cancellationToken).ConfigureAwait(false);
            if (advance.Succeeded)
            {
                cursor++;
                cursorRevision = advance.Revision;
                RemoveTemporaries(directory, below: cursor);
            }
            else
            {
                // Another archiver moved the cursor (it wrote the same bytes): go on from where it is.
                var kvs = ((RangeResult)advance.Results[0]).Kvs;
                (cursor, cursorRevision) = kvs.Count == 0 ? (1, 0) : (ParseCounter(kvs[0]), kvs[0].ModRevision);
            }
        }

        return files;
    }

    private async Task WriteDurablyAsync(string directory, string path, HistorySegment segment, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(directory, JournalExportFile.TemporaryNameOf(segment.Number));
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await JournalExportFile.WriteAsync(segment, stream, WithMessageAsync, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            JournalSpool.SyncDirectory(directory);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // A folded step with its message. Export comes before retention, so a content that is gone is lost: the export
    // stops there (and is tried again at the next pass) rather than write a file without it.
    private async Task<JournalEntry> WithMessageAsync(JournalEntry step, CancellationToken cancellationToken) =>
        await LargeMessages.ReadAsync(_journal.LargeMessageStore, step, cancellationToken).ConfigureAwait(false)
        ?? throw new CorruptException($"The message of {step.Txid}/{step.Step} is lost: its large-message content '{step.Large!.Name}' is missing; segment export stops here.");

    // Temporary files of segments already exported were left by a writer that died mid-write: nobody will rename them.
    private static void RemoveTemporaries(string directory, long below)
    {
        foreach (var path in Directory.EnumerateFiles(directory, ".journal-*.tmp"))
        {
            if (JournalExportFile.TryParseTemporary(Path.GetFileName(path), out var number) && number < below)
            {
                File.Delete(path);
            }
        }
    }
}

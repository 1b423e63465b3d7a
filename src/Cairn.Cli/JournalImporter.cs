using System.Collections.Concurrent;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.ZooKeeper.Import;

namespace Cairn.Cli;

/// <summary>
/// Appends what <see cref="OriginalJournalReader"/> read to Cairn's journal, through the server's API like every
/// client. Idempotent: the journal keeps the first message of a step, so an entry already there is counted as present
/// and changes nothing. An entry the server refuses (a message over its limit, a new step of a request already folded
/// into Cairn's history) is reported and skipped; any other failure (the server unreachable) stops the import.
/// </summary>
internal sealed class JournalImporter(CairnClient client)
{
    // Requests are appended side by side, each one's steps in order (so its steps keep their order in Cairn).
    private const int Parallelism = 8;

    /// <summary>Appends <paramref name="journal"/>'s entries; the report counts what was written and lists what was not.</summary>
    public async Task<JournalImportReport> RunAsync(string source, OriginalJournal journal, CancellationToken cancellationToken)
    {
        var report = new JournalImportReport
        {
            Source = source,
            Superseded = journal.Superseded,
            LockNodes = journal.LockNodes,
            HistoryNodes = journal.HistoryNodes,
        };
        var skipped = new ConcurrentBag<(int Order, JournalImportProblem Problem)>();
        var requests = journal.Entries
            .Select((entry, order) => (Entry: entry, Order: order))
            .GroupBy(e => e.Entry.Txid, StringComparer.Ordinal)
            .ToList();
        var written = 0;
        try
        {
            await Parallel.ForEachAsync(
                requests,
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (request, ct) =>
                {
                    foreach (var (entry, order) in request)
                    {
                        JournalAppendResultDto result;
                        try
                        {
                            result = await client.AppendJournalAsync(entry.Txid, entry.Step, entry.Message, ct).ConfigureAwait(false);
                        }
                        catch (CairnException ex) when (ex is InvalidArgumentException or LimitExceededException or ConflictException)
                        {
                            skipped.Add((order, new JournalImportProblem { Origin = entry.Origin, Reason = ex.Message }));
                            continue;
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            throw new ImportStoppedException(entry, ex);
                        }

                        report.Count(entry.Source, result);
                        Interlocked.Increment(ref written);
                    }
                }).ConfigureAwait(false);
        }
        catch (ImportStoppedException stopped)
        {
            throw new InvalidOperationException(
                $"the import stopped at {Printable(stopped.Entry.Origin)}: {stopped.InnerException!.Message.TrimEnd('.')}. "
                + $"{written} entries were written before it; run the import again to go on (what is in the journal already is kept).",
                stopped.InnerException);
        }

        report.Skipped.AddRange(journal.Problems.Select(p => new JournalImportProblem { Origin = p.Origin, Reason = p.Reason }));
        report.Skipped.AddRange(skipped.OrderBy(s => s.Order).Select(s => s.Problem));
        report.Differences.AddRange(journal.Differences.Select(d => new JournalImportDifference { Txid = d.Txid, Original = d.Original, Cairn = d.Cairn }));
        return report;
    }

    /// <summary>A znode path or name as one printable line: control characters as '.', at most 200 characters.</summary>
    public static string Printable(string text) => Text.Preview(System.Text.Encoding.UTF8.GetBytes(text), 200);

    /// <summary>An entry the server could not take for a reason that is not the entry's.</summary>
    private sealed class ImportStoppedException(OriginalJournalEntry entry, Exception inner) : Exception(inner.Message, inner)
    {
        public OriginalJournalEntry Entry { get; } = entry;
    }
}

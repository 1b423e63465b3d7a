using Cairn.Contracts;
using Cairn.ZooKeeper.Import;

namespace Cairn.Cli;

/// <summary>What <c>cairn journal import</c> did (printed as a line, or as this object with <c>--json</c>).</summary>
internal sealed class JournalImportReport
{
    private readonly Lock _lock = new();

    /// <summary>The ZooKeeper connect string read from.</summary>
    public string Source { get; set; } = "";

    /// <summary>Live steps written to the journal.</summary>
    public int StepsImported { get; set; }

    /// <summary>Live steps the journal had already (its first message kept).</summary>
    public int StepsPresent { get; set; }

    /// <summary>History rows written to the journal.</summary>
    public int HistoryRowsImported { get; set; }

    /// <summary>History rows the journal had already.</summary>
    public int HistoryRowsPresent { get; set; }

    /// <summary>Of those written, how many the server spooled to its secondary (its store was down); it replays them.</summary>
    public int Spooled { get; set; }

    /// <summary>Copies of a step left out because the original read another copy of it.</summary>
    public int Superseded { get; set; }

    /// <summary>History nodes read.</summary>
    public int HistoryNodes { get; set; }

    /// <summary>Lock znodes passed over.</summary>
    public int LockNodes { get; set; }

    /// <summary>What was not imported, and why.</summary>
    public List<JournalImportProblem> Skipped { get; } = [];

    /// <summary>Requests whose status in Cairn is not what the original answered.</summary>
    public List<JournalImportDifference> Differences { get; } = [];

    /// <summary>Counts one append.</summary>
    public void Count(OriginalJournalSource source, JournalAppendResultDto result)
    {
        lock (_lock)
        {
            switch (source, result.Created)
            {
                case (OriginalJournalSource.Live, true):
                    StepsImported++;
                    break;
                case (OriginalJournalSource.Live, false):
                    StepsPresent++;
                    break;
                case (_, true):
                    HistoryRowsImported++;
                    break;
                default:
                    HistoryRowsPresent++;
                    break;
            }

            if (result.Created && result.Spooled)
            {
                Spooled++;
            }
        }
    }

    /// <summary>The one line that says it all: <c>N steps imported, M already present, K history rows imported, L already
    /// present, S skipped</c>, then what else there is to say.</summary>
    public string Summary()
    {
        var line = $"{StepsImported} {Plural(StepsImported, "step")} imported, {StepsPresent} already present, "
            + $"{HistoryRowsImported} history {Plural(HistoryRowsImported, "row")} imported, {HistoryRowsPresent} already present, {Skipped.Count} skipped";
        if (Superseded > 0)
        {
            line += $", {Superseded} superseded by the copy the original read";
        }

        if (LockNodes > 0)
        {
            line += $", {LockNodes} lock {Plural(LockNodes, "node")} passed over";
        }

        if (Spooled > 0)
        {
            line += $" ({Spooled} spooled by the server while its store is unavailable; it replays them)";
        }

        if (StepsImported + HistoryRowsImported == 0)
        {
            line += "; nothing new: the journal had all of it";
        }

        return line;
    }

    private static string Plural(int count, string word) => count == 1 ? word : word + "s";
}

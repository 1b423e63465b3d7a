using System.Diagnostics.Metrics;
using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>What the journal takes in, for /metrics: new steps, and among them the commits and aborts that finish a
/// request. A step appended again (the first message kept) is not counted.</summary>
internal static class JournalMetrics
{
    public const string MeterName = "Cairn.Journal";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Appends = Meter.CreateCounter<long>(
        "cairn_journal_appends_total", unit: "{step}", description: "Journal steps appended (new steps only; spooled ones included).");

    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "cairn_journal_commits_total", unit: "{request}", description: "Journal commit steps appended.");

    private static readonly Counter<long> Aborts = Meter.CreateCounter<long>(
        "cairn_journal_aborts_total", unit: "{request}", description: "Journal abort steps appended.");

    /// <summary>Counts a new step.</summary>
    public static void Appended(string step)
    {
        Appends.Add(1);
        if (step == JournalNames.Commit)
        {
            Commits.Add(1);
        }
        else if (step == JournalNames.Abort)
        {
            Aborts.Add(1);
        }
    }
}

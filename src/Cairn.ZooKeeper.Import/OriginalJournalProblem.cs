namespace Cairn.ZooKeeper.Import;

/// <summary>Something of the original Journal that cannot be imported, and why.</summary>
/// <param name="Origin">The znode (relative to the chroot), or a history node and row: <c>/history/sqlite-db#N row R</c>.</param>
/// <param name="Reason">Why, as a sentence.</param>
public sealed record OriginalJournalProblem(string Origin, string Reason);

namespace Cairn.ZooKeeper.Import;

/// <summary>What an original Journal deployment's ZooKeeper holds, ready to be appended to Cairn's journal.</summary>
/// <param name="Entries">The steps to append, oldest first (history nodes oldest first, each node's begin rows first and its
/// commit and abort rows last, then the live steps in creation order), each (txid, step) once: the copy the original's
/// status read.</param>
/// <param name="Problems">What cannot be imported (names Cairn refuses, damaged data, refused SQL), and why.</param>
/// <param name="Differences">Requests whose Cairn status will not be the original's answer.</param>
/// <param name="Superseded">Copies of a (txid, step) left out because the original read another copy of it (a live
/// step over a history row, a newer history node over an older one, the first row of a node over later ones).</param>
/// <param name="LockNodes">Lock znodes (<c>/&lt;txid&gt;_lock</c>) passed over: they are not requests.</param>
/// <param name="HistoryNodes">History nodes read.</param>
public sealed record OriginalJournal(
    IReadOnlyList<OriginalJournalEntry> Entries,
    IReadOnlyList<OriginalJournalProblem> Problems,
    IReadOnlyList<OriginalStatusDifference> Differences,
    int Superseded,
    int LockNodes,
    int HistoryNodes);

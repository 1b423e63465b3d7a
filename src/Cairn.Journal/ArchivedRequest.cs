namespace Cairn.Journal;

/// <summary>A request in a segment, with every step as the store had it.</summary>
internal sealed record ArchivedRequest(string Txid, IReadOnlyList<JournalEntry> Steps);

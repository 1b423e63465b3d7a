namespace Cairn.Journal;

/// <summary>A history segment.</summary>
/// <param name="Number">Its number (from 1).</param>
/// <param name="Folded">When it was folded (the archiver's clock); retention counts from here.</param>
/// <param name="Requests">The folded requests, in txid order.</param>
internal sealed record HistorySegment(long Number, DateTimeOffset Folded, IReadOnlyList<ArchivedRequest> Requests);

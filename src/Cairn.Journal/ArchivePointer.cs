namespace Cairn.Journal;

/// <summary>Where a folded request is, and its status; <see cref="Message"/> is null when it was too large to copy.</summary>
internal sealed record ArchivePointer(long Segment, JournalState State, ReadOnlyMemory<byte>? Message);

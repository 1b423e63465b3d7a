namespace Cairn.Storage.Space;

/// <summary>How much data a store on local files holds, and how much room inside its files it would reuse.</summary>
/// <param name="UsedBytes">Bytes of the database holding data (its pages in use; the write-ahead log is not counted,
/// being copied in within a moment).</param>
/// <param name="ReusableBytes">Bytes inside its files that new writes fill before the files grow (free pages).</param>
/// <param name="PendingBytes">Bytes written but not yet in their final place, which will take room there (the
/// write-ahead log, copied into the database by the next checkpoint).</param>
/// <param name="Directory">The directory the files are in, whose filesystem they grow on.</param>
public sealed record StoreSpace(long UsedBytes, long ReusableBytes, long PendingBytes, string Directory);

namespace Cairn.Core;

/// <summary>The outcome of a <see cref="DeleteRequest"/>.</summary>
/// <param name="Revision">The revision of the delete, or the unchanged store revision when nothing was deleted.</param>
/// <param name="Deleted">How many keys were deleted.</param>
/// <param name="PrevKvs">The deleted key-values when asked for.</param>
public sealed record DeleteResult(long Revision, long Deleted, IReadOnlyList<KeyValue> PrevKvs) : KvResult(Revision);

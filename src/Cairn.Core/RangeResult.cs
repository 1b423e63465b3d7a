namespace Cairn.Core;

/// <summary>Keys found by a <see cref="RangeRequest"/>.</summary>
/// <param name="Revision">The store revision the read saw.</param>
/// <param name="Kvs">The keys, in ascending UTF-8 byte order (empty for count-only).</param>
/// <param name="More">True when the limit cut the result short.</param>
/// <param name="Count">How many keys the whole range holds, regardless of the limit.</param>
public sealed record RangeResult(long Revision, IReadOnlyList<KeyValue> Kvs, bool More, long Count) : KvResult(Revision);

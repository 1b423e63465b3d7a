namespace Cairn.Core;

/// <summary>The result of one <see cref="KvRequest"/>. <see cref="Revision"/> is the store revision the result was read
/// at (reads) or that the write created (writes).</summary>
/// <param name="Revision">The store revision.</param>
public abstract record KvResult(long Revision);

namespace Cairn.Core;

/// <summary>The outcome of a <see cref="PutRequest"/>.</summary>
/// <param name="Revision">The revision the put created; it is the key's new <see cref="KeyValue.ModRevision"/>.</param>
/// <param name="PrevKv">The previous key-value when asked for and the key existed.</param>
public sealed record PutResult(long Revision, KeyValue? PrevKv) : KvResult(Revision);

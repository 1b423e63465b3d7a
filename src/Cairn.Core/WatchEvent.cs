namespace Cairn.Core;

/// <summary>One change to one key.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Kv">The key after the change. For a delete: the key, an empty value, version 0, and
/// <see cref="KeyValue.ModRevision"/> = the revision of the delete.</param>
/// <param name="PrevKv">The key before the change, when the watch asked for it and the key existed.</param>
public sealed record WatchEvent(WatchEventType Type, KeyValue Kv, KeyValue? PrevKv = null);

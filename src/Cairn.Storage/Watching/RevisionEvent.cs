using Cairn.Core;

namespace Cairn.Storage.Watching;

/// <summary>One committed change as a backend publishes it to a <see cref="WatchHub"/>: the revision it belongs to, the
/// event (with its previous key-value when the backend knows it), and the key's UTF-8 bytes for matching ranges.</summary>
/// <param name="Revision">The store revision of the change; the changes of one txn share it.</param>
/// <param name="Event">The change, with <see cref="WatchEvent.PrevKv"/> filled in when known; the hub strips it for
/// watchers that did not ask for it.</param>
/// <param name="KeyUtf8">The key in UTF-8, which ranges compare byte by byte.</param>
public sealed record RevisionEvent(long Revision, WatchEvent Event, byte[] KeyUtf8);

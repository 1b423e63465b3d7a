using Cairn.Core;

namespace Cairn.Storage.Sqlite;

/// <summary>A change and the revision it belongs to, with the key's UTF-8 bytes for range matching.</summary>
internal sealed record RevisionEvent(long Revision, WatchEvent Event, byte[] KeyUtf8);

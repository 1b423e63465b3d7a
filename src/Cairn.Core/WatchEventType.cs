namespace Cairn.Core;

/// <summary>What happened to a key.</summary>
public enum WatchEventType
{
    /// <summary>The key was created or overwritten.</summary>
    Put,

    /// <summary>The key was deleted (by a delete, a txn, or the expiry or revocation of its lease).</summary>
    Delete,
}

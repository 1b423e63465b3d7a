using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>One key changed in a batch: its new versions, oldest first (tombstones have version 0).</summary>
internal sealed class OverlayKey(byte[] key)
{
    public byte[] Key { get; } = key;

    public List<KeyValue> Changes { get; } = [];

    /// <summary>The key-value at <paramref name="revision"/> (null when deleted) if the batch changed the key at or
    /// before it; false when the batch's changes are all later (the state's version holds).</summary>
    public bool TryAt(long revision, out KeyValue? kv)
    {
        for (var i = Changes.Count - 1; i >= 0; i--)
        {
            if (Changes[i].ModRevision <= revision)
            {
                kv = Changes[i].Version == 0 ? null : Changes[i];
                return true;
            }
        }

        kv = null;
        return false;
    }
}

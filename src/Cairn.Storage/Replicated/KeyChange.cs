using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>One key's change in a <see cref="Effect.Write"/>.</summary>
/// <param name="Key">The key in UTF-8.</param>
/// <param name="Kv">The key-value after the change; for a delete a tombstone (version 0, empty value).</param>
internal readonly record struct KeyChange(byte[] Key, KeyValue Kv)
{
    public bool IsDelete => Kv.Version == 0;
}

namespace Cairn.Core;

/// <summary>Set <paramref name="Key"/> to <paramref name="Value"/>, creating it if needed.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value.</param>
public sealed record PutRequest(string Key, ReadOnlyMemory<byte> Value) : KvRequest
{
    /// <summary>Return the value the key had before this put.</summary>
    public bool PrevKv { get; init; }

    /// <summary>Attach the key to this lease (0: none).</summary>
    public long Lease { get; init; }
}

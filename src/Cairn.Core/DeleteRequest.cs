namespace Cairn.Core;

/// <summary>Delete every key in <paramref name="Range"/>.</summary>
/// <param name="Range">Which keys.</param>
public sealed record DeleteRequest(KeyRange Range) : KvRequest
{
    /// <summary>Return the deleted key-values.</summary>
    public bool PrevKvs { get; init; }
}

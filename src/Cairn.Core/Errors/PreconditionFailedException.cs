namespace Cairn.Core;

/// <summary>A compare-and-set precondition (<c>If-Match</c> / <c>If-None-Match</c>) did not hold.</summary>
public sealed class PreconditionFailedException(string key, long actualModRevision, string? message = null)
    : CairnException(message ?? (actualModRevision == 0
        ? $"Precondition failed: key '{key}' does not exist."
        : $"Precondition failed: key '{key}' is at mod revision {actualModRevision}."))
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;

    /// <summary>The key's current mod revision (0 when it does not exist).</summary>
    public long ActualModRevision { get; } = actualModRevision;

    /// <inheritdoc />
    public override string Code => ErrorCodes.PreconditionFailed;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["key"] = Key,
        ["modRevision"] = ActualModRevision,
    };
}

namespace Cairn.Core;

/// <summary>The key does not exist. Reads report absence as a value; this is for APIs that must fail (HTTP 404).</summary>
public sealed class NoSuchKeyException(string key) : CairnException($"Key '{key}' not found.")
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;

    /// <inheritdoc />
    public override string Code => ErrorCodes.KeyNotFound;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["key"] = Key };
}

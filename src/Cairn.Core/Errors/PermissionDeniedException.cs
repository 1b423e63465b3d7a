namespace Cairn.Core;

/// <summary>The caller is known, but none of its roles grants <see cref="Action"/> on <see cref="Resource"/>
/// <see cref="Name"/> (HTTP 403). Nothing was changed.</summary>
public sealed class PermissionDeniedException(string resource, string action, string? name, string? message = null)
    : CairnException(message ?? Describe(resource, action, name))
{
    /// <summary>The resource family: <c>kv</c>, <c>journal</c>, <c>blobs</c>, <c>admin</c>, …</summary>
    public string Resource { get; } = resource;

    /// <summary>The action refused: <c>read</c>, <c>write</c>, <c>append</c>, <c>launch</c>, …</summary>
    public string Action { get; } = action;

    /// <summary>The key, prefix or name the action was on; null when the resource has none (e.g. <c>admin</c>).</summary>
    public string? Name { get; } = name;

    /// <inheritdoc />
    public override string Code => ErrorCodes.PermissionDenied;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["resource"] = Resource,
        ["action"] = Action,
        ["name"] = Name,
    };

    private static string Describe(string resource, string action, string? name) =>
        name is null
            ? $"Permission denied: {resource}:{action} is not granted to any of your roles."
            : $"Permission denied: {resource}:{action} on '{name}' is not granted to any of your roles.";
}

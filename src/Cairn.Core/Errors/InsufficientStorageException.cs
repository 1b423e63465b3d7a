namespace Cairn.Core;

/// <summary>No volume has room for a body (HTTP 507). Nothing was stored.</summary>
public sealed class InsufficientStorageException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.InsufficientStorage;

    /// <inheritdoc />
    public override bool IsTransient => true;
}

namespace Cairn.Core;

/// <summary>What the request names does not exist (HTTP 404): a blob, a storage node, an extension.</summary>
public sealed class NotFoundException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.NotFound;
}

namespace Cairn.Core;

/// <summary>The request is refused whatever it asks for (HTTP 403): a web page of another origin sent it, or it named a
/// host this server does not answer to. Sending it again will not help; the message says which setting would allow it.</summary>
public sealed class ForbiddenException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Forbidden;
}

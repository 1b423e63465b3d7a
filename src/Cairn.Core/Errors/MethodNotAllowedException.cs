namespace Cairn.Core;

/// <summary>The route exists but not for this HTTP method (HTTP 405).</summary>
public sealed class MethodNotAllowedException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.MethodNotAllowed;
}

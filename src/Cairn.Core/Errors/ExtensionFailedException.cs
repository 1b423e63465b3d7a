namespace Cairn.Core;

/// <summary>An extension failed (HTTP 502): it exited non-zero, threw, or printed something that is not JSON.</summary>
public sealed class ExtensionFailedException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.ExtensionFailed;
}

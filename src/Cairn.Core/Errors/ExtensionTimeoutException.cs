namespace Cairn.Core;

/// <summary>An extension did not finish within its timeout and was stopped (HTTP 504).</summary>
public sealed class ExtensionTimeoutException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.ExtensionTimeout;
}

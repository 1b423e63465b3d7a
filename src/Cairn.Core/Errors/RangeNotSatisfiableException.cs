namespace Cairn.Core;

/// <summary>The requested byte range lies outside the body (HTTP 416).</summary>
public sealed class RangeNotSatisfiableException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.RangeNotSatisfiable;
}

namespace Cairn.Core;

/// <summary>The request is malformed or asks for something impossible (an empty key, an unknown compare target…).</summary>
public sealed class InvalidArgumentException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.InvalidArgument;
}

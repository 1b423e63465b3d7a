namespace Cairn.Core;

/// <summary>The server failed unexpectedly (HTTP 500); its log has the details. Also what a client reports when an answer is not the JSON it expects.</summary>
public sealed class InternalErrorException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Internal;
}

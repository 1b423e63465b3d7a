namespace Cairn.Core;

/// <summary>The store cannot serve the request right now (closing, disk failure, backend unreachable).</summary>
public sealed class UnavailableException(string message, Exception? innerException = null) : CairnException(message, innerException)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Unavailable;

    /// <inheritdoc />
    public override bool IsTransient => true;
}

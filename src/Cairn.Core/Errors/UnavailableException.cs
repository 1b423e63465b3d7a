namespace Cairn.Core;

/// <summary>The server cannot serve the request right now (store closing, disk failure, backend unreachable, a full
/// queue such as the extensions').</summary>
public sealed class UnavailableException(string message, Exception? innerException = null) : CairnException(message, innerException)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Unavailable;

    /// <inheritdoc />
    public override bool IsTransient => true;

    /// <summary>How long the caller should wait before retrying, when the server can tell (HTTP <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }
}

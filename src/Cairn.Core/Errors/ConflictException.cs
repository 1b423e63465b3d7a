namespace Cairn.Core;

/// <summary>The request conflicts with the current state of what it addresses (HTTP 409), e.g. a new step for a
/// journal request that has already been folded into history.</summary>
public sealed class ConflictException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Conflict;
}

namespace Cairn.Core;

/// <summary>The request needs a caller and carries none that the server accepts (HTTP 401): no credential, or a token
/// that is unknown, expired, revoked, truncated or forged, a wrong password, or a client certificate of no known user.
/// The message says which, never whether a user exists.</summary>
public sealed class UnauthenticatedException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Unauthenticated;
}

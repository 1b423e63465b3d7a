namespace Cairn.Core;

/// <summary>An error the server reported with a code this client does not know (or an internal error).</summary>
public sealed class RemoteException(string code, string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code { get; } = code;
}

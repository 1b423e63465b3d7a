namespace Cairn.Core;

/// <summary>Stored data failed its checksum (HTTP 500): disk corruption, or a file changed behind Cairn's back. Nothing corrupt is ever handed out as if it were whole.</summary>
public sealed class CorruptException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Corrupt;
}

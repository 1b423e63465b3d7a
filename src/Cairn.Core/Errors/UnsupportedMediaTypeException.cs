namespace Cairn.Core;

/// <summary>The request body is not of a media type the endpoint takes (HTTP 415).</summary>
public sealed class UnsupportedMediaTypeException(string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.UnsupportedMediaType;
}

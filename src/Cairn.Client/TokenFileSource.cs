using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// The token in a token file, for one endpoint, read again whenever the file changed: a <c>cairn login</c> in another
/// shell replaces the file, and the next request carries the new token. Looking costs one <c>stat</c> per request.
/// </summary>
internal sealed class TokenFileSource(string path, string endpoint)
{
    private readonly Lock _gate = new();
    private DateTime _modified;
    private long _length = -1;
    private string? _token;

    public string Path { get; } = path;

    /// <summary>The token to send; null when there is no file, or it is for another endpoint, or it is not a token file.</summary>
    /// <exception cref="UnauthenticatedException">The file exists but cannot be read (its mode, say).</exception>
    public string? Current()
    {
        var info = new FileInfo(Path);
        if (!info.Exists)
        {
            return null;
        }

        lock (_gate)
        {
            if (info.LastWriteTimeUtc == _modified && info.Length == _length)
            {
                return _token;
            }

            CairnStoredToken? stored;
            try
            {
                stored = CairnTokenFile.Read(Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UnauthenticatedException($"Cannot read the token file '{Path}': {ex.Message}");
            }

            _modified = info.LastWriteTimeUtc;
            _length = info.Length;
            _token = stored is not null && stored.IsFor(endpoint) && CredentialHandler.IsWellFormed(stored.Token) ? stored.Token : null;
            return _token;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cairn.Client;

/// <summary>
/// The token file <c>cairn login</c> writes and clients read (<see cref="CairnClientOptions.TokenFile"/>): one login
/// token and the endpoint it was issued by, as JSON, readable by its owner only (mode 0600).
/// </summary>
/// <remarks>
/// A write replaces the file in one step (a new file made with mode 0600, then renamed over the old one), so a reader
/// never sees half a token and the token is never readable by others, not even for a moment.
/// </remarks>
public static class CairnTokenFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Where <c>cairn login</c> keeps its token by default: <c>$XDG_CONFIG_HOME/cairn/token</c>, else
    /// <c>~/.config/cairn/token</c>.</summary>
    public static string DefaultPath
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(config, "cairn", "token");
        }
    }

    /// <summary>Reads the token at <paramref name="path"/>; null when there is no such file or it is not a token file.</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but this user may not read it.</exception>
    public static CairnStoredToken? Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Parse(bytes);
    }

    /// <summary>Writes <paramref name="token"/> to <paramref name="path"/> (mode 0600), replacing what was there; makes
    /// the directory (mode 0700) when it is missing.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, CairnStoredToken token)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(token);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(new Stored(token.Endpoint, token.User, token.Token, token.Id, token.ExpiresAt), Json);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Made with the mode, not chmod-ed after: there is no moment at which another user could open it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Removes the token file; false when there was none.</summary>
    public static bool Delete(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    internal static CairnStoredToken? Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(bytes, Json);
            return stored is { Endpoint.Length: > 0, Token.Length: > 0 }
                ? new CairnStoredToken(stored.Endpoint, stored.User ?? "", stored.Token, stored.Id, stored.ExpiresAt)
                : null;
        }
        catch (JsonException)
        {
            // Not a token file (or not one this version can read): as if there were none. Its text is never echoed,
            // since it may hold a secret.
            return null;
        }
    }

    private sealed record Stored(string Endpoint, string? User, string Token, string? Id, DateTimeOffset? ExpiresAt);
}

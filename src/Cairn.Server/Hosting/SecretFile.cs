namespace Cairn.Server.Hosting;

/// <summary>
/// A secret a setting gives either inline (<c>Etcd:Password</c>) or as a file (<c>Etcd:PasswordFile</c>), which keeps it
/// off command lines and out of the environment of every child process.
/// </summary>
internal static class SecretFile
{
    /// <summary>The secret; null when neither setting is set.</summary>
    /// <exception cref="StartupException">Both are set, or the file cannot be read or is empty.</exception>
    public static string? Resolve(string? value, string? file, string valueSetting, string fileSetting)
    {
        if (string.IsNullOrEmpty(file))
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }

        if (!string.IsNullOrEmpty(value))
        {
            throw new StartupException($"{valueSetting} and {fileSetting} are both set; set one of them.");
        }

        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{fileSetting} '{file}' cannot be read: {ex.Message}", ex);
        }

        // Only the line break an editor or `echo` leaves at the end: a password may well end in spaces.
        text = text.TrimEnd('\n').TrimEnd('\r');
        return text.Length == 0 ? throw new StartupException($"{fileSetting} '{file}' is empty.") : text;
    }
}

namespace Cairn.Server.Tests;

/// <summary>
/// Directories and files of programs the server starts (extensions, jobs). The tests run as root, so those programs run
/// as nobody: their directories must be ones nobody can enter, outside the data directory (0700), and their files
/// readable; the modes are set explicitly, since a server in this process sets the umask to 077.
/// </summary>
internal static class ProgramDirectories
{
    private const UnixFileMode ReadableMode = (UnixFileMode)0b110_100_100;
    private const UnixFileMode OpenMode = (UnixFileMode)0b111_101_101;
    private const UnixFileMode WritableMode = (UnixFileMode)0b111_111_111;

    /// <summary>Makes <paramref name="path"/> (mode 0755, or 0777 when the programs write in it).</summary>
    public static void Create(string path, bool writable = false)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, writable ? WritableMode : OpenMode);
        }
    }

    /// <summary>Writes an executable (mode 0755).</summary>
    public static void Executable(string path, string text) => Write(path, text, OpenMode);

    /// <summary>Writes a file the programs read (mode 0644).</summary>
    public static void Readable(string path, string text) => Write(path, text, ReadableMode);

    /// <summary>Removes <paramref name="path"/> and all in it, if it is there.</summary>
    public static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static void Write(string path, string text, UnixFileMode mode)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}

using System.Runtime.InteropServices;

namespace Cairn.Core.IO;

/// <summary>fsync of a directory, which makes a rename or unlink in it durable. .NET has no API for it (a directory
/// cannot be opened as a FileStream), so it is three libc calls.</summary>
public static partial class FileSync
{
    /// <summary>Makes the entries of <paramref name="directory"/> (renames, links, unlinks) durable. No-op off Unix.</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void Directory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Could not sync directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

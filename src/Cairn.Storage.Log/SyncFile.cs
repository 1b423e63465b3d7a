using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Log;

/// <summary>
/// The two flushes the log needs that .NET does not offer: <c>fdatasync</c> (a record's bytes and the file's size,
/// without the inode's timestamps: one journal commit fewer per append than <c>fsync</c>) and the fsync of a directory
/// after a file in it was created, renamed or removed (without which the new name may not survive a power loss).
/// Elsewhere than Linux the first falls back to .NET's full flush and the second to nothing.
/// </summary>
internal static partial class SyncFile
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    /// <summary>Makes what was written to <paramref name="handle"/> durable.</summary>
    /// <exception cref="IOException">The kernel reports the flush failed: what was written may be lost.</exception>
    public static void DataSync(SafeFileHandle handle, FileStream fallback)
    {
        if (!OperatingSystem.IsLinux())
        {
            fallback.Flush(flushToDisk: true);
            return;
        }

        if (fdatasync(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"fdatasync failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }
    }

    /// <summary>Makes the entries of <paramref name="directory"/> (names created, renamed, removed) durable.</summary>
    public static void Directory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open directory '{directory}' to flush it: {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
        }

        try
        {
            if (fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of directory '{directory}' failed: {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}

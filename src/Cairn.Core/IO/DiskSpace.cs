namespace Cairn.Core.IO;

/// <summary>The filesystem under a directory: how much room is left, and whether an I/O error means there is none.
/// One place for the store's space alarm, the volumes' free-space floor and the WAL bound.</summary>
public static class DiskSpace
{
    /// <summary>The bytes available to this process and the size of the filesystem holding <paramref name="directory"/>
    /// (one <c>statvfs</c>).</summary>
    /// <exception cref="IOException">The directory's filesystem cannot be read.</exception>
    public static (long Free, long Total) Of(string directory)
    {
        var drive = new DriveInfo(directory);
        return (drive.AvailableFreeSpace, drive.TotalSize);
    }

    /// <summary>Whether <paramref name="exception"/> says the disk is full (ENOSPC on Unix, ERROR_DISK_FULL on Windows).</summary>
    public static bool IsFull(IOException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return (exception.HResult & 0xFFFF) is 28 or 0x70 || exception.Message.Contains("No space left", StringComparison.Ordinal);
    }
}

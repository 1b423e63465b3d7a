using System.Runtime.InteropServices;

namespace Cairn.Server.Hosting;

/// <summary>
/// What Cairn writes is its own: the data directory is 0700 and everything the process creates is 0600 (files) or
/// 0700 (directories), as etcd keeps its data directory. Done with the process's umask (077), so that every file
/// SQLite, the volumes, the journal's spool and export and the snapshots create is covered without each choosing a
/// mode; a module that must share a directory (the journal's secondary, between services) sets that directory's mode
/// itself, and each Unix socket gets the mode its listener gives (<see cref="UnixSocketOptions"/>: 0700 unless set,
/// 0666 for the journal's).
/// </summary>
internal static partial class FileModes
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Sets the umask to 077, creates <paramref name="dataDir"/> if missing, and makes it 0700 (an older data
    /// directory made 0755 is closed too).</summary>
    /// <exception cref="StartupException"><paramref name="dataDir"/> is a directory every user shares (sticky bit, as
    /// /tmp): closing it would lock every other user out of it.</exception>
    public static void MakePrivate(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return;
        }

        if (Directory.Exists(dataDir) && File.GetUnixFileMode(dataDir).HasFlag(UnixFileMode.StickyBit))
        {
            throw new StartupException($"The data directory '{dataDir}' is a directory every user shares (it has the sticky bit, as /tmp has); Cairn makes its data directory 0700, which would lock everyone else out of it. Choose a directory of Cairn's own, e.g. {Path.Combine(dataDir, "cairn")}.");
        }

        // umask(2) has no .NET API; it is one libc call, process-wide, and cannot fail.
        _ = umask(0b000_111_111);
        Directory.CreateDirectory(dataDir, Private);
        File.SetUnixFileMode(dataDir, Private);
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}

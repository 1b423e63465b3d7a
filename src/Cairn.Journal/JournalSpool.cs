using System.Runtime.InteropServices;

namespace Cairn.Journal;

/// <summary>
/// The secondary: a directory (an NFS mount in production) holding entries written while the primary was unavailable,
/// one file per txid/step named <c>&lt;txid&gt;#&lt;step&gt;</c> (neither may contain <c>#</c>), holding exactly the
/// bytes the primary would store (<see cref="JournalCodec.EncodeEntry"/>).
/// </summary>
/// <remarks>
/// A file is written to a temporary name, fsynced, then moved to its final name without replacing an existing one
/// (.NET's no-overwrite move is a hard link on Linux, atomic on local filesystems and NFS), and the directory is
/// fsynced: so a spooled entry is durable before it is acknowledged, never half-written, and when two writers (two
/// nodes sharing the directory) spool the same txid/step the first one wins.
/// </remarks>
public sealed partial class JournalSpool
{
    private const string TempPrefix = ".tmp-";
    private const char Separator = '#';

    /// <summary>Uses (and creates when missing) <paramref name="directory"/>.</summary>
    public JournalSpool(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The spool directory (full path).</summary>
    public string Directory { get; }

    /// <summary>
    /// Spools <paramref name="entry"/> unless an entry for its txid/step is already spooled; returns the entry that is
    /// spooled now (the earlier one if there was one) and whether it is the one given.
    /// </summary>
    public (JournalEntry Entry, bool Written) Write(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var final = PathOf(entry.Txid, entry.Step);
        if (TryRead(final) is { } existing)
        {
            return (existing, false);
        }

        var temp = Path.Combine(Directory, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(JournalCodec.EncodeEntry(entry with { Revision = 0, Source = JournalSource.Secondary }));
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temp, final, overwrite: false);
            }
            catch (IOException) when (File.Exists(final))
            {
                // Another writer spooled this txid/step first: its entry wins.
                return (TryRead(final) ?? entry, false);
            }

            SyncDirectory(Directory);
            return (entry with { Revision = 0, Source = JournalSource.Secondary }, true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The spooled entry for txid/step, or null.</summary>
    public JournalEntry? Read(string txid, string step) => TryRead(PathOf(txid, step));

    /// <summary>Every spooled entry of request <paramref name="txid"/>.</summary>
    public IReadOnlyList<JournalEntry> ReadRequest(string txid)
    {
        JournalNames.ValidateTxid(txid);
        return [.. System.IO.Directory.EnumerateFiles(Directory, txid + Separator + "*")
            .Where(path => Path.GetFileName(path).StartsWith(txid + Separator, StringComparison.Ordinal))
            .Select(TryRead)
            .OfType<JournalEntry>()
            .Where(e => e.Txid == txid)
            .OrderBy(e => e.At)];
    }

    /// <summary>Every spooled entry, oldest first (files that are not entries are skipped).</summary>
    public IReadOnlyList<JournalEntry> ReadAll() =>
        [.. System.IO.Directory.EnumerateFiles(Directory)
            .Where(path => !Path.GetFileName(path).StartsWith(TempPrefix, StringComparison.Ordinal))
            .Select(TryRead)
            .OfType<JournalEntry>()
            .OrderBy(e => e.At)];

    /// <summary>Removes the spooled entry for txid/step (nothing if there is none), durably.</summary>
    public void Remove(string txid, string step)
    {
        var path = PathOf(txid, step);
        if (File.Exists(path))
        {
            File.Delete(path);
            SyncDirectory(Directory);
        }
    }

    /// <summary>Removes temporary files older than <paramref name="age"/> (left by a writer that died mid-write).</summary>
    public int RemoveStaleTemporaries(TimeSpan age)
    {
        var removed = 0;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, TempPrefix + "*"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > age)
            {
                File.Delete(path);
                removed++;
            }
        }

        return removed;
    }

    private string PathOf(string txid, string step)
    {
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        return Path.Combine(Directory, txid + Separator + step);
    }

    // The entry in `path`, or null when there is none. A file whose name and contents disagree, or that is not an
    // entry, is not one of ours and is left alone.
    private static JournalEntry? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            var entry = JournalCodec.DecodeEntry(bytes, 0, JournalSource.Secondary);
            return Path.GetFileName(path) == entry.Txid + Separator + entry.Step ? entry : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    // fsync of the directory makes a rename or unlink in it durable. .NET has no API for it (a directory cannot be
    // opened as a FileStream), so it is two libc calls.
    internal static void SyncDirectory(string directory)
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

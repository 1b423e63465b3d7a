using System.Runtime.InteropServices;

using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>
/// The secondary: a directory (an NFS mount in production) holding entries written while the primary was unavailable,
/// one file per txid/step named <c>&lt;txid&gt;#&lt;step&gt;</c> (<see cref="FileNameOf"/>: each name encoded so that
/// any txid and step makes a safe name of at most 255 bytes), holding exactly the bytes the primary would store
/// (<see cref="JournalCodec.EncodeEntry"/>).
/// </summary>
/// <remarks>
/// A name made only of ASCII letters, digits and <c>- _ . :</c>, not starting with a dot and short enough, is its own
/// file name part: that is every name the journal allowed before it took any text, so files spooled by an earlier
/// version are found under the same names. Any other byte of its UTF-8 (a space, <c>%</c>, <c>#</c>, non-ASCII
/// letters, a leading dot) is written <c>%XX</c>, and a part that is still too long keeps its start and ends in
/// <c>~</c> and the SHA-256 of the whole name. A file's contents name its txid and step; a file whose name is not the
/// one they make is not an entry (and is left alone).
/// <para>A file is written to a temporary name, fsynced, then hard-linked to its final name with <c>link(2)</c>, which fails
/// when that name exists — atomically, on local filesystems and on NFS — and the directory is fsynced: so a spooled
/// entry is durable before it is acknowledged, never half-written, and when two writers (two nodes sharing the
/// directory) spool the same txid/step the first one wins. (.NET's <c>File.Move(…, overwrite: false)</c> is not
/// enough: on Unix it checks that the target is absent and then calls <c>rename(2)</c>, which replaces it, so two
/// concurrent writers could both "win" and the first acknowledged entry be overwritten.)</para>
/// </remarks>
public sealed partial class JournalSpool
{
    private const string TempPrefix = ".tmp-";
    private const char Separator = '#';

    // The longest file name part of a txid and of a step: 160 + '#' + 94 = 255, the longest file name on Linux, NFS and
    // most other filesystems; 160 and 94 keep the earlier limits (128 and 64) as they were.
    private const int MaxTxidPart = 160;
    private const int MaxStepPart = 94;

    // '~' and 64 hex digits of SHA-256: how a part too long for its limit ends.
    private const int HashPartLength = 65;

    /// <summary>Uses (and creates when missing) <paramref name="directory"/>. A directory that cannot be created now (an
    /// NFS mount that is not there yet) is not an error here: writes fail, and are retried by creating it, until it can.</summary>
    public JournalSpool(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unusable for now; Write reports it when an entry needs the secondary.
        }
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
            using (var stream = CreateTemporary(temp))
            {
                stream.Write(JournalCodec.EncodeEntry(entry));
                stream.Flush(flushToDisk: true);
            }

            if (!MoveNoReplace(temp, final))
            {
                // Another writer spooled this txid/step first: its entry wins.
                return (TryRead(final) ?? entry, false);
            }

            SyncDirectory(Directory);
            return (entry with { Revision = 0, Source = JournalSource.Secondary }, true);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>The spooled entry for txid/step, or null.</summary>
    public JournalEntry? Read(string txid, string step) => TryRead(PathOf(txid, step));

    /// <summary>Every spooled entry of request <paramref name="txid"/> (none when the directory does not exist).</summary>
    public IReadOnlyList<JournalEntry> ReadRequest(string txid)
    {
        JournalNames.ValidateTxid(txid);
        var prefix = Part(txid, MaxTxidPart) + Separator;
        return [.. Files(prefix + "*")
            .Where(path => Path.GetFileName(path).StartsWith(prefix, StringComparison.Ordinal))
            .Select(TryRead)
            .OfType<JournalEntry>()
            .Where(e => e.Txid == txid)
            .OrderBy(e => e.At)];
    }

    /// <summary>Every spooled entry, oldest first (files that are not entries, and temporary files, are skipped; none
    /// when the directory does not exist).</summary>
    public IReadOnlyList<JournalEntry> ReadAll() =>
        [.. Files("*")
            .Where(path => !Path.GetFileName(path).StartsWith(TempPrefix, StringComparison.Ordinal))
            .Select(TryRead)
            .OfType<JournalEntry>()
            .OrderBy(e => e.At)];

    /// <summary>The txid and step of every spooled entry, oldest entry first, as <see cref="ReadAll"/> orders them but
    /// without keeping any message: each is read and let go, so that many large entries are never in memory at once.
    /// </summary>
    public IReadOnlyList<(string Txid, string Step)> List() =>
        [.. Files("*")
            .Where(path => !Path.GetFileName(path).StartsWith(TempPrefix, StringComparison.Ordinal))
            .Select(path => TryRead(path) is { } entry ? (entry.Txid, entry.Step, entry.At) : default)
            .Where(e => e.Txid is not null)
            .OrderBy(e => e.At)
            .Select(e => (e.Txid, e.Step))];

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
        foreach (var path in Files(TempPrefix + "*"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > age)
            {
                File.Delete(path);
                removed++;
            }
        }

        return removed;
    }

    // The files in the directory matching `pattern`, listed at once; none when the directory does not exist.
    private List<string> Files(string pattern)
    {
        try
        {
            return [.. System.IO.Directory.EnumerateFiles(Directory, pattern)];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    // Creates the temporary file, and the directory when it is missing (it could not be created at start, or was
    // removed); a path that cannot be a directory fails with an IOException.
    private FileStream CreateTemporary(string temp)
    {
        try
        {
            return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(Directory);
            return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind: RemoveStaleTemporaries takes it later. The outcome of the write is what the caller needs.
        }
    }

    private string PathOf(string txid, string step)
    {
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        return Path.Combine(Directory, FileNameOf(txid, step));
    }

    /// <summary>The file name of the entry of <paramref name="txid"/>/<paramref name="step"/>: at most 255 bytes, only
    /// ASCII letters, digits and <c>- _ . : % ~ #</c>, never starting with a dot.</summary>
    public static string FileNameOf(string txid, string step) => Part(txid, MaxTxidPart) + Separator + Part(step, MaxStepPart);

    // A name as its part of a file name: the bytes of its UTF-8 that are not ASCII letters, digits or - _ . : (and a
    // leading '.') as %XX; when that is longer than `max`, its start (not cutting an escape), '~' and the SHA-256 of the
    // name in hex. Neither form holds '#', '/' or a wildcard; only the second holds '~' (the first writes it %7E), so
    // two names never share a part.
    private static string Part(string name, int max)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(name);
        var part = new System.Text.StringBuilder(utf8.Length);
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)':' || (b == (byte)'.' && i > 0))
            {
                part.Append((char)b);
            }
            else
            {
                part.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (part.Length <= max)
        {
            return part.ToString();
        }

        var keep = max - HashPartLength;
        if (part[keep - 1] == '%')
        {
            keep--;
        }
        else if (part[keep - 2] == '%')
        {
            keep -= 2;
        }

        return part.ToString(0, keep) + "~" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(utf8));
    }

    // The entry in `path`, or null when there is none. A file whose name and contents disagree, or that is not an
    // entry, is not one of ours and is left alone.
    private static JournalEntry? TryRead(string path)
    {
        // Every append asks whether its step is spooled, and the answer is nearly always no: a stat answers that
        // without throwing; the catches below still cover a file removed in between.
        if (!File.Exists(path))
        {
            return null;
        }

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
            var entry = JournalCodec.DecodeStored(bytes, 0, JournalSource.Secondary);
            return Path.GetFileName(path) == FileNameOf(entry.Txid, entry.Step) ? entry : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    // Gives `temp` the name `final` unless that exists; false when it does. On Linux and macOS a hard link (then the
    // temporary name is removed by the caller); elsewhere, or on a filesystem without hard links, a move that is only
    // safe against concurrent writers where the platform's no-replace move is atomic (Windows).
    private static bool MoveNoReplace(string temp, string final)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            if (Link(temp, final) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EEXIST)
            {
                return false;
            }

            if (!NoHardLinks(errno))
            {
                throw new IOException($"Could not link '{temp}' to '{final}' (errno {errno}).");
            }
        }

        try
        {
            File.Move(temp, final, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(final))
        {
            return false;
        }
    }

    // errno values of link(2) that mean "this filesystem does not do hard links" (EPERM, EXDEV, EMLINK; EOPNOTSUPP and
    // ENOSYS, whose numbers differ between Linux and macOS).
    private static bool NoHardLinks(int errno) =>
        errno is 1 or 18 or 31 || (OperatingSystem.IsLinux() ? errno is 95 or 38 : errno is 45 or 102 or 78);

    private const int EEXIST = 17;

    internal static void SyncDirectory(string directory) => Cairn.Core.IO.FileSync.Directory(directory);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);
}

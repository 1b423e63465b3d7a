using Cairn.Core;

namespace Cairn.Carts.Tar;

/// <summary>
/// The exact bytes of a cart's tar, known before any is sent: for each entry a header (PAX, from
/// <c>System.Formats.Tar</c>, with every time and owner field fixed so the same cart gives the same bytes every time),
/// the file's bytes, padding to 512; directory entries for every parent directory (the root first), then the two zero
/// blocks that end a tar. <see cref="Length"/> is the download's <c>Content-Length</c>, and <see cref="Open"/> gives a
/// seekable stream of it, so a range of the tar is served without reading what comes before.
/// </summary>
/// <remarks>The layout keeps each member's name, size and offsets, not its header bytes (a cart of 100,000 files would
/// hold 150 MB of them): a stream writes a member's header again when it reaches it, which gives the same bytes.
/// A layout is immutable and may be shared; each stream from <see cref="Open"/> is for one reader.</remarks>
public sealed class CartTarLayout
{
    private readonly TarMember[] _members;
    private readonly int[] _memberOfEntry;

    private CartTarLayout(IReadOnlyList<CartTarEntry> entries, TarMember[] members, int[] memberOfEntry, long length)
    {
        Entries = entries;
        _members = members;
        _memberOfEntry = memberOfEntry;
        Length = length;
    }

    /// <summary>
    /// Lays out a tar whose members are <paramref name="root"/>/ then each entry's path under it, in order (each parent
    /// directory as an entry before its first member, mtime <paramref name="directoryTime"/>, mode 0755; files mode
    /// 0644; uid/gid 0, no owner names).
    /// </summary>
    /// <param name="root">The root directory's name (<see cref="CartPaths.TarRoot"/>).</param>
    /// <param name="entries">The files, with normalised distinct paths.</param>
    /// <param name="directoryTime">The directories' mtime.</param>
    /// <exception cref="InvalidArgumentException">The root or a path breaks <see cref="CartPaths"/>' rules (checked
    /// again here: whatever reaches a tar entry is checked where it is written).</exception>
    public static CartTarLayout Build(string root, IReadOnlyList<CartTarEntry> entries, DateTimeOffset directoryTime)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(root);
        _ = CartPaths.TarRoot(root + ".tar", DateTimeOffset.UnixEpoch);

        var paths = new string[entries.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            var entry = entries[i];
            if (CartPaths.NormalizeFilePath(entry.Path) != entry.Path)
            {
                throw new InvalidArgumentException($"Tar entry {CartPaths.Quote(entry.Path)} is not a normalised path.");
            }

            if (entry.Size < 0 || entry.SourceOffset < 0)
            {
                throw new InvalidArgumentException($"Tar entry {CartPaths.Quote(entry.Path)} has a negative size or offset.");
            }

            paths[i] = entry.Path;
        }

        CartPaths.CheckDistinct(paths);

        var members = new List<TarMember>(entries.Count + 1);
        var memberOfEntry = new int[entries.Count];
        var directories = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;

        void Add(string name, long size, DateTimeOffset modified, int entryIndex)
        {
            var directory = entryIndex < 0;
            var header = TarHeaders.Write(name, directory, size, modified).Length;
            members.Add(new TarMember(name, directory, size, modified, entryIndex, offset, header));
            offset += header + size + TarHeaders.Padding(size);
        }

        Add(root + "/", 0, directoryTime, -1);
        for (var i = 0; i < entries.Count; i++)
        {
            var path = entries[i].Path;
            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                var directory = path[..(slash + 1)];
                if (directories.Add(directory))
                {
                    Add(root + "/" + directory, 0, directoryTime, -1);
                }
            }

            memberOfEntry[i] = members.Count;
            Add(root + "/" + path, entries[i].Size, entries[i].Modified, i);
        }

        return new CartTarLayout([.. entries], [.. members], memberOfEntry, offset + (2 * TarHeaders.Block));
    }

    /// <summary>Total length of the tar in bytes.</summary>
    public long Length { get; }

    internal IReadOnlyList<CartTarEntry> Entries { get; }

    internal ReadOnlySpan<TarMember> Members => _members;

    /// <summary>Offset where the two closing zero blocks begin.</summary>
    internal long TrailerOffset => Length - (2 * TarHeaders.Block);

    /// <summary>Where entry <paramref name="index"/>'s bytes begin in the tar (what a bundle records to serve its files from).</summary>
    public long DataOffset(int index)
    {
        var member = _members[_memberOfEntry[index]];
        return member.Offset + member.HeaderLength;
    }

    /// <summary>
    /// A read-only, seekable stream of the tar. Source files are opened as they are reached and must be regular files
    /// (not symbolic links) at least as long as their span; a source that is missing, a link or too short fails the read
    /// with <see cref="IOException"/> naming it (never serves other bytes in its place).
    /// </summary>
    public Stream Open() => new CartTarStream(this);

    /// <summary>The member holding byte <paramref name="position"/> (which is below <see cref="TrailerOffset"/>).</summary>
    internal int MemberAt(long position)
    {
        int low = 0, high = _members.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_members[middle].Offset <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }
}

/// <summary>One member of the tar: a directory, or a file (<see cref="EntryIndex"/> into the layout's entries).</summary>
internal readonly record struct TarMember(
    string Name, bool IsDirectory, long Size, DateTimeOffset Modified, int EntryIndex, long Offset, int HeaderLength)
{
    public long DataOffset => Offset + HeaderLength;

    public long End => DataOffset + Size + TarHeaders.Padding(Size);

    public byte[] Header() => TarHeaders.Write(Name, IsDirectory, Size, Modified);
}

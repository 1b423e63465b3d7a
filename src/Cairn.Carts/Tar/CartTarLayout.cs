namespace Cairn.Carts.Tar;

/// <summary>
/// The exact bytes of a cart's tar, known before any is sent: for each entry a header (PAX, from
/// <c>System.Formats.Tar</c>, with every time and owner field fixed so the same cart gives the same bytes every time),
/// the file's bytes, padding to 512; directory entries for every parent directory (the root first), then the two zero
/// blocks that end a tar. <see cref="Length"/> is the download's <c>Content-Length</c>, and <see cref="Open"/> gives a
/// seekable stream of it, so a range of the tar is served without reading what comes before.
/// </summary>
public sealed class CartTarLayout
{
    private CartTarLayout() => throw new NotImplementedException();

    /// <summary>
    /// Lays out a tar whose members are <paramref name="root"/>/ then each entry's path under it, in order (each parent
    /// directory as an entry before its first member, mtime <paramref name="directoryTime"/>, mode 0755; files mode
    /// 0644; uid/gid 0, no owner names).
    /// </summary>
    /// <param name="root">The root directory's name (<see cref="CartPaths.TarRoot"/>).</param>
    /// <param name="entries">The files, with normalised distinct paths.</param>
    /// <param name="directoryTime">The directories' mtime.</param>
    public static CartTarLayout Build(string root, IReadOnlyList<CartTarEntry> entries, DateTimeOffset directoryTime) => throw new NotImplementedException();

    /// <summary>Total length of the tar in bytes.</summary>
    public long Length => throw new NotImplementedException();

    /// <summary>Where entry <paramref name="index"/>'s bytes begin in the tar (what a bundle records to serve its files from).</summary>
    public long DataOffset(int index) => throw new NotImplementedException();

    /// <summary>
    /// A read-only, seekable stream of the tar. Source files are opened as they are reached and must be regular files
    /// (not symbolic links) at least as long as their span; a source that is missing, a link or too short fails the read
    /// with <see cref="IOException"/> naming it (never serves other bytes in its place).
    /// </summary>
    public Stream Open() => throw new NotImplementedException();
}

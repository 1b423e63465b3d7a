using System.Globalization;
using Cairn.Core.IO;

namespace Cairn.Carts;

/// <summary>
/// This node's cart cache: a directory (mode 0700) with a <c>volume.id</c> made once, durably, and one directory per
/// cart named by its cart id, holding <c>&lt;index:D6&gt;.part</c> while a file is copied, <c>&lt;index:D6&gt;.data</c>
/// once staged, and in bundle mode <c>bundle.tar</c>. No name from a request reaches a path here. Symbolic links are
/// never followed: one found where a file or directory should be is removed as a link.
/// </summary>
internal sealed class CartVolume
{
    public const string IdFile = "volume.id";
    public const string BundleName = "bundle.tar";

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private CartVolume(string id, string directory)
    {
        Id = id;
        Directory = directory;
    }

    public string Id { get; }

    /// <summary>Full path.</summary>
    public string Directory { get; }

    /// <summary>Opens <paramref name="directory"/>, creating it and its id the first time.</summary>
    /// <exception cref="IOException">It cannot be used, or its id file is damaged.</exception>
    public static CartVolume Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (IsLink(full))
        {
            throw new IOException($"The cart volume '{full}' is a symbolic link; give the directory itself.");
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(full);
        }
        else
        {
            // A directory every user shares (the seed's default VOLUME_PATH was /tmp/) is refused rather than made 0700,
            // which would lock everyone else out of it; carts get a directory of their own.
            if (System.IO.Directory.Exists(full) && File.GetUnixFileMode(full).HasFlag(UnixFileMode.StickyBit))
            {
                throw new IOException($"'{full}' is a directory every user shares (it has the sticky bit, as /tmp has); Cairn makes its cart volume 0700. Give carts a directory of their own, e.g. {Path.Combine(full, "cairn-carts")}.");
            }

            System.IO.Directory.CreateDirectory(full, DirectoryMode);
            File.SetUnixFileMode(full, DirectoryMode);
        }

        var idFile = Path.Combine(full, IdFile);
        if (IsLink(idFile))
        {
            throw new IOException($"'{idFile}' is a symbolic link; the volume is not Cairn's.");
        }

        if (!File.Exists(idFile))
        {
            // Written once, durably, under a temporary name first so that a crash never leaves an empty id file.
            var tmp = Path.Combine(full, IdFile + "." + CartKeys.NewId() + ".tmp");
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(CartKeys.NewId()));
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(tmp, idFile, overwrite: false);
            }
            catch (IOException) when (File.Exists(idFile))
            {
                File.Delete(tmp);
            }

            FileSync.Directory(full);
        }

        var id = File.ReadAllText(idFile).Trim();
        return CartKeys.IsId(id)
            ? new CartVolume(id, full)
            : throw new IOException($"'{idFile}' does not hold a volume id (32 hex digits); it is damaged or not Cairn's.");
    }

    public string CartDirectory(string cartId) =>
        CartKeys.IsId(cartId) ? Path.Combine(Directory, cartId) : throw new ArgumentException($"Not a cart id: '{cartId}'.", nameof(cartId));

    public string DataPath(string cartId, int index) => Path.Combine(CartDirectory(cartId), Name(index) + ".data");

    public string PartPath(string cartId, int index) => Path.Combine(CartDirectory(cartId), Name(index) + ".part");

    public string BundlePath(string cartId) => Path.Combine(CartDirectory(cartId), BundleName);

    public string BundlePartPath(string cartId) => Path.Combine(CartDirectory(cartId), BundleName + ".part");

    /// <summary>The cart's directory, created (0700) if missing; a link in its place is removed first.</summary>
    public string PrepareCartDirectory(string cartId)
    {
        var dir = CartDirectory(cartId);
        if (IsLink(dir))
        {
            File.Delete(dir);
        }

        if (!System.IO.Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(dir);
            }
            else
            {
                System.IO.Directory.CreateDirectory(dir, DirectoryMode);
            }

            FileSync.Directory(Directory);
        }

        return dir;
    }

    /// <summary>The cart ids that have a directory (or anything by that name) here.</summary>
    public IEnumerable<string> CartIds() =>
        new DirectoryInfo(Directory).EnumerateFileSystemInfos().Select(i => i.Name).Where(CartKeys.IsId);

    /// <summary>Removes the cart's directory and everything in it, links as links (never what they point at).</summary>
    public void RemoveCart(string cartId)
    {
        try
        {
            RemoveTree(CartDirectory(cartId));
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            // Removed by someone else meanwhile (the tombstone loop and a purge may meet here).
        }

        FileSync.Directory(Directory);
    }

    /// <summary>Length of <paramref name="path"/> when it is a regular file (not a link); null otherwise.</summary>
    public static long? RegularFileLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && (info.Attributes & FileAttributes.ReparsePoint) == 0 ? info.Length : null;
    }

    /// <summary>True when <paramref name="path"/> is a symbolic link (to anything, or dangling).</summary>
    public static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Deletes a file or a link (as a link); nothing when absent.</summary>
    public static void DeleteEntry(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            File.Delete(path);
        }
        else if (System.IO.Directory.Exists(path))
        {
            RemoveTree(path);
        }
    }

    /// <summary>Bytes used by the files under the volume (regular files only), for tests and reports.</summary>
    public long UsedBytes() =>
        new DirectoryInfo(Directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Sum(f => f.Length);

    private static void RemoveTree(string path)
    {
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
        {
            File.Delete(path); // a link where a directory should be: the link goes, its target stays
            return;
        }

        if (!info.Exists)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            return;
        }

        foreach (var entry in info.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || entry is FileInfo)
            {
                File.Delete(entry.FullName);
            }
            else
            {
                RemoveTree(entry.FullName);
            }
        }

        System.IO.Directory.Delete(path, recursive: false);
    }

    private static string Name(int index) => index.ToString("D6", CultureInfo.InvariantCulture);
}

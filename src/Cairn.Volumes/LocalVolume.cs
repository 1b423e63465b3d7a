using Cairn.Contracts;

namespace Cairn.Volumes;

/// <summary>One of this node's volume directories (see <see cref="VolumeLayout"/>).</summary>
internal sealed class LocalVolume
{
    private LocalVolume(string id, string directory)
    {
        Id = id;
        Directory = directory;
    }

    public string Id { get; }

    /// <summary>Full path.</summary>
    public string Directory { get; }

    public string TmpDirectory => Path.Combine(Directory, VolumeLayout.TmpDir);

    public string BlobsDirectory => Path.Combine(Directory, VolumeLayout.BlobsDir);

    /// <summary>Opens <paramref name="directory"/>, creating it and its id the first time.</summary>
    /// <exception cref="IOException">It cannot be used, or its id file is damaged.</exception>
    public static LocalVolume Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        System.IO.Directory.CreateDirectory(Path.Combine(full, VolumeLayout.BlobsDir));
        System.IO.Directory.CreateDirectory(Path.Combine(full, VolumeLayout.TmpDir));
        var idFile = Path.Combine(full, VolumeLayout.IdFile);
        if (!File.Exists(idFile))
        {
            // Written once, durably, under a temporary name first so that a crash never leaves an empty id file.
            var tmp = Path.Combine(full, VolumeLayout.TmpDir, "volume.id." + BlobNames.NewId());
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(BlobNames.NewId()));
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

            Cairn.Core.IO.FileSync.Directory(full);
        }

        var id = File.ReadAllText(idFile).Trim();
        return BlobNames.IsId(id)
            ? new LocalVolume(id, full)
            : throw new IOException($"'{idFile}' does not hold a volume id (32 hex digits); it is damaged or not Cairn's.");
    }

    /// <summary>The directory for blob <paramref name="blobId"/>'s file, created if missing.</summary>
    public string PrepareBlobDirectory(string blobId)
    {
        var dir = Path.Combine(BlobsDirectory, blobId[..2]);
        if (!System.IO.Directory.Exists(dir))
        {
            System.IO.Directory.CreateDirectory(dir);
            Cairn.Core.IO.FileSync.Directory(BlobsDirectory);
        }

        return dir;
    }

    public string BlobPath(string blobId) => VolumeLayout.BlobPath(Directory, blobId);

    /// <summary>Every committed file: blob id and last write time (UTC).</summary>
    public IEnumerable<(string BlobId, DateTime WrittenUtc)> Files()
    {
        if (!System.IO.Directory.Exists(BlobsDirectory))
        {
            yield break;
        }

        foreach (var file in new DirectoryInfo(BlobsDirectory).EnumerateFiles("*" + VolumeLayout.BlobExtension, SearchOption.AllDirectories))
        {
            var id = Path.GetFileNameWithoutExtension(file.Name);
            if (BlobNames.IsId(id) && string.Equals(file.Directory?.Name, id[..2], StringComparison.Ordinal))
            {
                yield return (id, file.LastWriteTimeUtc);
            }
        }
    }
}

namespace Cairn.Storage.Space;

/// <summary>
/// A file of preallocated room beside a local store (<c>cairn.reserve</c>), given back when the disk is so full that a
/// delete or a compaction cannot write the little it writes before it frees anything — which happens when another
/// program fills the disk to the last byte, or when blob bodies took the room since the monitor's last look. The store's
/// free-space floor keeps the disk from filling through Cairn's own writes; this is the room for getting out when it
/// fills anyway. CockroachDB keeps an "emergency ballast" file for the same reason. It is made again once the disk has
/// room. The file holds nothing: deleting it by hand is harmless.
/// </summary>
/// <remarks>Thread-safe.</remarks>
/// <param name="path">The file.</param>
public sealed class SpaceReserve(string path)
{
    private readonly Lock _lock = new();

    /// <summary>The name of the file in the data directory.</summary>
    public const string FileName = "cairn.reserve";

    /// <summary>The file.</summary>
    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));

    /// <summary>The room kept when the store keeps <paramref name="floorBytes"/> free: as much, between 1 MiB and
    /// 128 MiB — twice what the store's write-ahead log is let grow to (half the floor, at most 64 MiB), so that a
    /// checkpoint can copy even a log that overshot its bound into the database and then give the log's room back.</summary>
    public static long SizeFor(long floorBytes) => Math.Clamp(floorBytes, 1L << 20, 128L << 20);

    /// <summary>Whether the file is there now.</summary>
    public bool IsHeld => File.Exists(Path);

    /// <summary>Makes the file with <paramref name="bytes"/> allocated (not a sparse file) if it is not there.</summary>
    /// <returns>True if it was made now.</returns>
    /// <exception cref="IOException">It could not be made (the disk is full: nothing is left behind).</exception>
    public bool Ensure(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        lock (_lock)
        {
            if (File.Exists(Path))
            {
                return false;
            }

            var partial = Path + ".tmp";
            try
            {
                // PreallocationSize asks the filesystem for the blocks (posix_fallocate); the zeros written after it make
                // them real where it cannot (a filesystem without fallocate gives a sparse file).
                using (var file = new FileStream(partial, new FileStreamOptions
                {
                    Mode = FileMode.Create,
                    Access = FileAccess.Write,
                    PreallocationSize = bytes,
                    BufferSize = 0,
                }))
                {
                    var zeros = new byte[64 * 1024];
                    for (var left = bytes; left > 0; left -= zeros.Length)
                    {
                        file.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
                    }

                    file.Flush(flushToDisk: true);
                }

                File.Move(partial, Path);
                return true;
            }
            catch (IOException)
            {
                File.Delete(partial);
                throw;
            }
        }
    }

    /// <summary>Deletes the file, giving its room back.</summary>
    /// <returns>True if it was there (room was given back); false if there was none to give.</returns>
    public bool Release()
    {
        lock (_lock)
        {
            if (!File.Exists(Path))
            {
                return false;
            }

            File.Delete(Path);
            return true;
        }
    }
}

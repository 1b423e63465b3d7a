namespace Cairn.Storage.Space;

/// <summary>
/// When a store is out of space: its data passes <see cref="QuotaBytes"/>, or the filesystem under it is down to
/// <see cref="MinFreeBytes"/> — counting the room free inside the store's own files (new writes reuse it first) and
/// taking off what its write-ahead log will need once checkpointed. The
/// floor trips before the disk is full, so that deletes and compaction — which write a little before they free
/// anything — still have room.
/// </summary>
/// <param name="QuotaBytes">Most bytes of data the store may hold; 0: no quota but the disk.</param>
/// <param name="MinFreeBytes">Free bytes kept on the store's filesystem; 0: <see cref="DefaultMinFree"/> of its size.</param>
public sealed record SpaceQuota(long QuotaBytes, long MinFreeBytes)
{
    /// <summary>The floor when none is set: 5 % of the filesystem, at least 4 MiB and at most 1 GiB.</summary>
    public static long DefaultMinFree(long totalBytes) => Math.Clamp(totalBytes / 20, 4L << 20, 1L << 30);

    /// <summary>The floor in force on a filesystem of <paramref name="totalBytes"/>.</summary>
    public long MinFreeOn(long totalBytes) => MinFreeBytes > 0 ? MinFreeBytes : DefaultMinFree(totalBytes);

    /// <summary>Why the store is out of space, or null when it is not.</summary>
    /// <param name="usedBytes">Bytes of data the store holds.</param>
    /// <param name="reusableBytes">Bytes free inside its files.</param>
    /// <param name="pendingBytes">Bytes written that will take room once checkpointed.</param>
    /// <param name="disk">The free and total bytes of the filesystem under it; null for a remote store.</param>
    public string? Evaluate(long usedBytes, long reusableBytes, long pendingBytes, (long Free, long Total)? disk)
    {
        // The quota is on the data in the database, as etcd's is on its database file; the log is copied in within a
        // moment (and kept under a quarter of the quota), so a quota trips at most that much late.
        if (QuotaBytes > 0 && usedBytes >= QuotaBytes)
        {
            return $"the store holds {Format(usedBytes)}, its quota is {Format(QuotaBytes)} (Limits:QuotaBytes)";
        }

        if (disk is { } d)
        {
            var floor = MinFreeOn(d.Total);
            var free = d.Free + reusableBytes - pendingBytes;
            if (free < floor)
            {
                return $"the disk under the store has {Format(Math.Max(0, free))} free, under the {Format(floor)} kept free (Limits:MinFreeBytes)";
            }
        }

        return null;
    }

    /// <summary>How many more bytes can land before <see cref="Evaluate"/> gives a reason: the room under the quota or
    /// above the free-space floor, whichever is less (long.MaxValue when neither applies).</summary>
    public long Headroom(long usedBytes, long reusableBytes, long pendingBytes, (long Free, long Total)? disk)
    {
        var room = QuotaBytes > 0 ? QuotaBytes - usedBytes : long.MaxValue;
        if (disk is { } d)
        {
            room = Math.Min(room, d.Free + reusableBytes - pendingBytes - MinFreeOn(d.Total));
        }

        return room;
    }

    private static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.##} KiB",
        _ => $"{bytes} bytes",
    };
}

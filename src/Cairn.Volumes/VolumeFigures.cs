namespace Cairn.Volumes;

/// <summary>
/// When a volume record is worth rewriting: only when a figure its readers act on or show really changed, so that an
/// idle node does not write to the store (its liveness is the records' lease, kept alive without writes).
/// </summary>
internal static class VolumeFigures
{
    // How far past a level's boundary the load must go, in load per core, before the level counts as changed: a
    // load hovering at a boundary would otherwise rewrite the record at every report.
    private const double LoadHysteresis = 0.25;

    /// <summary>
    /// The coarse step of a load average: per core, 0 below 0.5 (idle), 1 below 1 (busy), 2 below 2 (saturated),
    /// 3 from 2 on (overloaded).
    /// </summary>
    public static int LoadLevel(double load, int cores) => (load / Math.Max(1, cores)) switch
    {
        < 0.5 => 0,
        < 1 => 1,
        < 2 => 2,
        _ => 3,
    };

    /// <summary>True when <paramref name="now"/> differs from the record last written, <paramref name="last"/>, in a
    /// figure a reader uses: the addresses or path, synch, the percent used (whole percents), or the load's level (by
    /// more than a quarter of a core past the boundary). Free and total bytes move with the percent used; the time
    /// alone never counts.</summary>
    public static bool Changed(VolumeRecord last, VolumeRecord now, int cores)
    {
        if (last.UsedPercent != now.UsedPercent || last.Synch != now.Synch || last.Path != now.Path
            || last.NodeId != now.NodeId || !last.Addresses.SequenceEqual(now.Addresses))
        {
            return true;
        }

        var level = LoadLevel(last.Load, cores);
        var margin = LoadHysteresis * Math.Max(1, cores);
        return LoadLevel(now.Load - margin, cores) > level || LoadLevel(now.Load + margin, cores) < level;
    }
}

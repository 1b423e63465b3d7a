using System.Globalization;

namespace Cairn.Bench;

/// <summary>CPU time of other processes (the servers under test), read from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
internal static class ProcessCpu
{
    // Linux reports utime/stime in clock ticks; USER_HZ is 100 on every Linux build this runs on.
    private const double TicksPerSecond = 100.0;

    /// <summary>User + system CPU seconds of the processes so far, threads included; NaN if one cannot be read.</summary>
    public static double Seconds(IReadOnlyList<int> pids)
    {
        var total = 0.0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                // Fields after the command name (which may hold spaces) start at state (field 3); utime and stime are 14 and 15.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return double.NaN;
            }
        }

        return total;
    }
}

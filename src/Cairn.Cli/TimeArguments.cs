using System.Globalization;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary>Times as people type them on the command line: ISO-8601, or a duration ago (<see cref="Durations"/>).</summary>
internal static class TimeArguments
{
    /// <summary>An ISO-8601 time (UTC when it has no offset), or a duration meaning that long ago.</summary>
    public static DateTimeOffset ParseTime(string text, string what, TimeProvider time)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        try
        {
            return time.GetUtcNow() - Durations.Parse(text, what);
        }
        catch (InvalidArgumentException)
        {
            throw new InvalidArgumentException($"{what} '{text}' is neither an ISO-8601 time (2024-05-01T12:00:00Z) nor a duration ago (1h, 2d).");
        }
    }
}

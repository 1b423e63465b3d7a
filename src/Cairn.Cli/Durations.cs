using System.Globalization;
using System.Text.RegularExpressions;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary>Durations and times as people type them: <c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>, a number of
/// seconds, or <c>hh:mm:ss</c>; times as ISO-8601 or as a duration ago.</summary>
internal static partial class Durations
{
    public static TimeSpan Parse(string text, string what)
    {
        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var match = Units().Match(trimmed);
        if (match.Success)
        {
            var total = TimeSpan.Zero;
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var unit = part.Value.TrimStart("0123456789.".ToCharArray());
                var amount = double.Parse(part.Value[..^unit.Length], CultureInfo.InvariantCulture);
                total += unit switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    _ => TimeSpan.FromDays(amount),
                };
            }

            return total;
        }

        if (trimmed.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new InvalidArgumentException($"{what} '{text}' is not a duration: write e.g. 90s, 10m, 1h30m, 2d, or hh:mm:ss.");
    }

    /// <summary>An ISO-8601 time (UTC when it has no offset), or a duration meaning that long ago.</summary>
    public static DateTimeOffset ParseTime(string text, string what, TimeProvider time)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        try
        {
            return time.GetUtcNow() - Parse(text, what);
        }
        catch (InvalidArgumentException)
        {
            throw new InvalidArgumentException($"{what} '{text}' is neither an ISO-8601 time (2024-05-01T12:00:00Z) nor a duration ago (1h, 2d).");
        }
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Units();
}

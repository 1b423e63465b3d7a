using System.Globalization;
using System.Text.RegularExpressions;

namespace Cairn.Core;

/// <summary>
/// The one way Cairn reads a duration, in every setting, command-line flag and query parameter: a number with units
/// (<c>500ms</c>, <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>1.5h</c>, <c>2d</c>), a bare number of seconds (<c>300</c>), or
/// <c>[d.]hh:mm[:ss]</c> (<c>00:05:00</c>, <c>30.00:00:00</c>).
/// </summary>
public static partial class Durations
{
    /// <summary>What to write in an error message: the accepted forms.</summary>
    public const string Forms = "e.g. 90s, 5m, 1h30m, 2d, a number of seconds, or hh:mm:ss";

    /// <summary>Reads <paramref name="text"/>; <see cref="InvalidArgumentException"/> naming <paramref name="what"/>
    /// when it is not a duration (negative ones included).</summary>
    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value)
            ? value
            : throw new InvalidArgumentException($"{what} '{text}' is not a duration: write {Forms}.");

    /// <summary>Reads <paramref name="text"/>; false when it is not a (non-negative, representable) duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? "";
        try
        {
            if (double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            {
                return Finite(seconds) && Set(TimeSpan.FromSeconds(seconds), out value);
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

                return Set(total, out value);
            }

            return trimmed.Contains(':', StringComparison.Ordinal)
                && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span)
                && Set(span, out value);
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>The time <paramref name="age"/> before <paramref name="now"/>; <see cref="DateTimeOffset.MinValue"/> when
    /// that is before the calendar begins (an age of <c>10675199d</c> is legal, and nothing is older).</summary>
    public static DateTimeOffset Before(DateTimeOffset now, TimeSpan age) =>
        age >= now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : now - age;

    /// <summary>Whole seconds, rounded up (a lease TTL of <c>1.2s</c> is 2 s, never 1).</summary>
    public static long WholeSeconds(TimeSpan duration) => (long)Math.Ceiling(duration.TotalSeconds);

    /// <summary>A duration as this parser reads it back: <c>1h30m</c>, <c>90s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "A duration is not negative.");
        }

        var parts = new List<string>();
        void Add(long amount, string unit)
        {
            if (amount > 0)
            {
                parts.Add(amount.ToString(CultureInfo.InvariantCulture) + unit);
            }
        }

        Add(duration.Days, "d");
        Add(duration.Hours, "h");
        Add(duration.Minutes, "m");
        Add(duration.Seconds, "s");
        Add(duration.Milliseconds, "ms");
        return parts.Count == 0 ? "0s" : string.Concat(parts);
    }

    private static bool Finite(double seconds) => double.IsFinite(seconds) && seconds < TimeSpan.MaxValue.TotalSeconds;

    private static bool Set(TimeSpan span, out TimeSpan value)
    {
        value = span;
        return span >= TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Units();
}

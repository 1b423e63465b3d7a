using Cairn.Core;
using Microsoft.Extensions.Configuration;

namespace Cairn.Server.Hosting;

/// <summary>How the host and every module read list and duration settings, with one error per bad value that names the
/// setting.</summary>
internal static class Settings
{
    /// <summary>The items of list setting <paramref name="setting"/>; a single string is split at commas.</summary>
    public static IReadOnlyList<string> List(IConfiguration configuration, string setting)
    {
        var section = configuration.GetSection(setting);
        IEnumerable<string> items = section.Value is { Length: > 0 } single
            ? [single]
            : section.GetChildren().Select(c => c.Value).OfType<string>();
        return [.. items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }

    /// <summary>
    /// A duration setting (<see cref="Durations"/>: <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>, seconds, <c>hh:mm:ss</c>):
    /// <paramref name="value"/> as bound to <paramref name="setting"/>, else the value of its old name
    /// <paramref name="legacySetting"/> (a number of seconds in older versions; read the same way), else
    /// <paramref name="fallback"/>.
    /// </summary>
    /// <exception cref="StartupException">The value is not a duration, is zero where that is not allowed, or is above <paramref name="max"/>.</exception>
    public static TimeSpan Duration(string setting, string? value, TimeSpan fallback, bool zeroAllowed = false, string? legacySetting = null, string? legacyValue = null, TimeSpan? max = null)
    {
        var (name, text) = value is not null ? (setting, value) : (legacySetting ?? setting, legacyValue);
        if (text is null)
        {
            return fallback;
        }

        if (!Durations.TryParse(text, out var duration) || (!zeroAllowed && duration == TimeSpan.Zero))
        {
            throw new StartupException($"{name} must be a {(zeroAllowed ? "" : "positive ")}duration ({Durations.Forms}); got '{text}'.");
        }

        return max is { } limit && duration > limit
            ? throw new StartupException($"{name} must be at most {Durations.Format(limit)}; got '{text}'.")
            : duration;
    }
}

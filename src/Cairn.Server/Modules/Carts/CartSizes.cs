using System.Globalization;

namespace Cairn.Server.Modules.Carts;

/// <summary>Sizes as pacifica-cartd's <c>parse_size</c> read them — a number, a space, a unit: <c>B</c>, <c>KB</c>,
/// <c>MB</c>, <c>GB</c>, <c>TB</c> are powers of 1000, <c>b</c>, <c>Kb</c>, <c>Mb</c>, <c>Gb</c>, <c>Tb</c> powers of
/// 1024 (so <c>4 Mb</c> is 4 MiB) — or a plain number of bytes. The space may be left out.</summary>
internal static class CartSizes
{
    private static readonly Dictionary<string, long> Units = new(StringComparer.Ordinal)
    {
        ["B"] = 1, ["KB"] = 1000, ["MB"] = 1000_000, ["GB"] = 1000_000_000, ["TB"] = 1000_000_000_000,
        ["b"] = 1, ["Kb"] = 1L << 10, ["Mb"] = 1L << 20, ["Gb"] = 1L << 30, ["Tb"] = 1L << 40,
    };

    /// <summary>What the error messages show as the accepted forms.</summary>
    public const string Forms = "bytes, or a number and a unit as pacifica-cartd took them: '4 Mb' (MiB), '4 MB' (10^6), B/KB/MB/GB/TB, b/Kb/Mb/Gb/Tb";

    /// <summary>Parses <paramref name="text"/>; false when it is not a size (or is negative, or past <see cref="long.MaxValue"/>).</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }

        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out bytes))
        {
            return true;
        }

        var unitStart = trimmed.Length;
        while (unitStart > 0 && char.IsAsciiLetter(trimmed[unitStart - 1]))
        {
            unitStart--;
        }

        var number = trimmed[..unitStart].TrimEnd();
        if (unitStart == trimmed.Length || number.Length == 0 || !Units.TryGetValue(trimmed[unitStart..], out var unit)
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var total = value * unit;
        if (!double.IsFinite(total) || total >= long.MaxValue)
        {
            return false;
        }

        // The seed truncated (int(float(number) * unit)).
        bytes = (long)total;
        return true;
    }

    /// <summary>Parses a switch as the seed's configparser did (<c>true</c>/<c>false</c>, <c>on</c>/<c>off</c>,
    /// <c>yes</c>/<c>no</c>, <c>1</c>/<c>0</c>, any case).</summary>
    public static bool TryParseSwitch(string? text, out bool value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "true" or "on" or "yes" or "1":
                value = true;
                return true;
            case "false" or "off" or "no" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}

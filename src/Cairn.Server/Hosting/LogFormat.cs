using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// How the console log looks (<c>Logging:Format</c>): <c>text</c> (default; one line per entry), <c>json</c> (one JSON
/// object per line) or <c>systemd</c> (journald's priority prefix). Every entry carries its time in UTC, ISO 8601.
/// </summary>
internal static class LogFormat
{
    /// <summary>The setting.</summary>
    public const string Setting = "Logging:Format";

    // ISO 8601 in UTC with milliseconds: sorts as text, and reads the same on every machine whatever its time zone.
    private const string Timestamp = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>The format <paramref name="configuration"/> asks for.</summary>
    /// <exception cref="StartupException">It is none of <c>text</c>, <c>json</c>, <c>systemd</c>.</exception>
    public static string Read(IConfiguration configuration)
    {
        var format = configuration[Setting]?.Trim().ToLowerInvariant();
        return format switch
        {
            null or "" or "text" => "text",
            "json" or "systemd" => format,
            _ => throw new StartupException($"{Setting} must be text, json or systemd; got '{configuration[Setting]}'."),
        };
    }

    /// <summary>Writes the console log in <paramref name="format"/> (as <see cref="Read"/> gives it).</summary>
    public static void UseConsole(ILoggingBuilder logging, string format)
    {
        switch (format)
        {
            case "json":
                logging.AddJsonConsole(o =>
                {
                    o.TimestampFormat = Timestamp;
                    o.UseUtcTimestamp = true;
                });
                break;
            case "systemd":
                logging.AddSystemdConsole(o =>
                {
                    o.TimestampFormat = Timestamp + " ";
                    o.UseUtcTimestamp = true;
                });
                break;
            default:
                // One line per entry, so that every line starts with its time (the default puts the message on a second
                // line without one).
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = Timestamp + " ";
                    o.UseUtcTimestamp = true;
                });
                break;
        }
    }
}

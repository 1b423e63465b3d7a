using System.Globalization;

namespace Cairn.Bench;

/// <summary>Command-line settings of <c>cairn-bench chaos-writer</c> and <c>chaos-verify</c>.</summary>
internal sealed class ChaosOptions
{
    public Uri Url { get; private set; } = new("http://127.0.0.1:7070");
    public int Writers { get; private set; } = 8;
    public int Keys { get; private set; } = 1000;
    public string LogDir { get; private set; } = "chaos-logs";
    public string? StopFile { get; private set; }

    public const string Usage = """
        usage: cairn-bench chaos-writer|chaos-verify [options]
          --url URL          the server, http://HOST:PORT (it may be killed and restarted under the writers)
          --writers 8        concurrent writers; writer i puts chaos/w<i>/k<n> one at a time, each with a new value
          --keys 1000        keys per writer (put in turn)
          --log DIR          one log per writer, w<i>.log: "A seq key value" before each put, "K seq revision" once acknowledged
          --stop FILE        chaos-writer: stop once FILE exists (default: run until interrupted)
        chaos-verify reads the logs and checks the server: every acknowledged put is in the history at its revision with
        its value, every key holds its last acknowledged value or a later attempted one, no value nobody wrote, and no
        revision acknowledged twice; exit 1 on any loss.
        """;

    public static ChaosOptions Parse(string[] args)
    {
        var o = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Positive() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} needs a positive number.");
            switch (name)
            {
                case "--url": o.Url = new Uri(Value()); break;
                case "--writers": o.Writers = Positive(); break;
                case "--keys": o.Keys = Positive(); break;
                case "--log": o.LogDir = Value(); break;
                case "--stop": o.StopFile = Value(); break;
                default: throw new ArgumentException($"unknown option '{name}'.\n{Usage}");
            }
        }

        return o;
    }
}

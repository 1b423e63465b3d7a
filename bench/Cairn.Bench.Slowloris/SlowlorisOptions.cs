using System.Globalization;
using System.Net;

namespace Cairn.Bench.Slowloris;

/// <summary>What one run measures: the target, the normal clients' load and the crowd of half-open connections.</summary>
internal sealed record SlowlorisOptions
{
    public const string Usage = """
        usage: cairn-bench-slowloris --url http://127.0.0.1:PORT [options]
          --target cairn|etcd        the API the normal clients speak: Cairn's /v1/kv, or etcd's JSON gateway /v3/kv (cairn)
          --label TEXT               what this run is, for the report (the target's name)
          --connections N            half-open connections the attacker holds (2000)
          --requests N               requests per measurement, over all normal clients (2000)
          --clients N                concurrent normal clients, each on its own keep-alive connection (4)
          --rounds N                 baseline-then-attack rounds; the percentiles pool every round (3)
          --client-address IP        the normal clients' source address (127.0.0.2; the attacker uses --attacker-address)
          --attacker-address IP      the attacker's source address (127.0.0.1): one address, as a single attacking host
          --observe SECONDS          after the last round, how long to watch whether the server drops the crowd (45)
          --out FILE                 append the result as one JSON line to FILE
        """;

    public required Uri Url { get; init; }

    public string Target { get; init; } = "cairn";

    public string Label { get; init; } = "cairn";

    public int Connections { get; init; } = 2000;

    public int Requests { get; init; } = 2000;

    public int Clients { get; init; } = 4;

    public int Rounds { get; init; } = 3;

    public IPAddress ClientAddress { get; init; } = IPAddress.Parse("127.0.0.2");

    public IPAddress AttackerAddress { get; init; } = IPAddress.Loopback;

    public TimeSpan Observe { get; init; } = TimeSpan.FromSeconds(45);

    public string? Out { get; init; }

    public static SlowlorisOptions Parse(string[] args)
    {
        Uri? url = null;
        var o = new SlowlorisOptions { Url = new Uri("http://127.0.0.1") };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.\n{Usage}");
            int Count() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive number.");
            o = name switch
            {
                "--url" => o with { Url = url = new Uri(Value()) },
                "--target" => o with { Target = Value() switch { "cairn" => "cairn", "etcd" => "etcd", _ => throw new ArgumentException("--target is cairn or etcd.") } },
                "--label" => o with { Label = Value() },
                "--connections" => o with { Connections = Count() },
                "--requests" => o with { Requests = Count() },
                "--clients" => o with { Clients = Count() },
                "--rounds" => o with { Rounds = Count() },
                "--client-address" => o with { ClientAddress = IPAddress.Parse(Value()) },
                "--attacker-address" => o with { AttackerAddress = IPAddress.Parse(Value()) },
                "--observe" => o with { Observe = TimeSpan.FromSeconds(Count()) },
                "--out" => o with { Out = Value() },
                "-h" or "--help" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"unknown option '{name}'.\n{Usage}"),
            };
        }

        return url is null ? throw new ArgumentException(Usage) : o;
    }
}

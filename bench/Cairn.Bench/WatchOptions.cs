using System.Globalization;

namespace Cairn.Bench;

/// <summary>What the fan-out watchers watch.</summary>
internal enum FanoutMode
{
    /// <summary>Every watcher watches the single key <c>bench/fanout</c>; each round overwrites it.</summary>
    Key,

    /// <summary>Every watcher has its own prefix watch on <c>bench/fanout/</c>; round k puts <c>bench/fanout/k</c>.</summary>
    Prefix,

    /// <summary>Watcher i watches its own key <c>bench/fanout/w{i}</c>; a closed loop of put clients writes random ones of
    /// those keys for a while, and each put must reach exactly its one watcher.</summary>
    Distinct,
}

/// <summary>Command-line settings of <c>cairn-bench watch</c>.</summary>
internal sealed class WatchOptions
{
    public string? TcpUrl { get; private set; }
    public int Watchers { get; private set; } = 10_000;
    public int Sockets { get; private set; } = 100;
    public int Rounds { get; private set; } = 20;
    public int WarmupRounds { get; private set; } = 2;
    public IReadOnlyList<FanoutMode> Modes { get; private set; } = [FanoutMode.Key];
    public int SseIterations { get; private set; } = 1000;
    public int ValueSize { get; private set; } = 256;
    public TimeSpan RoundTimeout { get; private set; } = TimeSpan.FromSeconds(30);
    public int PutClients { get; private set; } = 16;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);
    public string Output { get; private set; } = "bench/results/results.jsonl";

    public const string Usage = """
        usage: cairn-bench watch [options]
          --tcp URL                      e.g. http://127.0.0.1:7070 (WebSockets on ws://…/v1/watch, SSE on /v1/watch)
          --watchers 10000               watches in the fan-out, spread evenly over the sockets
          --sockets 100                  WebSockets carrying them
          --rounds 20                    measured puts (each must reach every watcher)
          --warmup-rounds 2              puts before those, checked but not measured
          --modes key,prefix             key: all watch bench/fanout; prefix: each has a prefix watch on bench/fanout/;
                                         distinct: each watches its own key bench/fanout/w<i>, under a put stream
          --put-clients 16               distinct: closed-loop clients putting random watched keys
          --duration 10                  distinct: seconds measured
          --warmup 2                     distinct: seconds of puts before those, checked but not measured
          --sse-iterations 1000          single-watcher SSE put->event loop (0 skips it)
          --value-size 256               bytes per put
          --round-timeout 30             seconds to wait for a round's last delivery before counting the rest missing
          --out FILE                     JSON lines, one object per mode and one for SSE (appended)
        """;

    public static WatchOptions Parse(string[] args)
    {
        var o = new WatchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--tcp": o.TcpUrl = Value(); break;
                case "--watchers": o.Watchers = Int(); break;
                case "--sockets": o.Sockets = Int(); break;
                case "--rounds": o.Rounds = Int(); break;
                case "--warmup-rounds": o.WarmupRounds = Int(); break;
                case "--modes": o.Modes = [.. Value().Split(',').Select(m => Enum.Parse<FanoutMode>(m, ignoreCase: true))]; break;
                case "--sse-iterations": o.SseIterations = Int(); break;
                case "--value-size": o.ValueSize = Int(); break;
                case "--round-timeout": o.RoundTimeout = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--put-clients": o.PutClients = Int(); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--out": o.Output = Value(); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (o.TcpUrl is null)
        {
            throw new ArgumentException("watch needs --tcp URL.");
        }

        if (o.Watchers < 1 || o.Sockets < 1 || o.Sockets > o.Watchers || o.Rounds < 1 || o.WarmupRounds < 0 || o.SseIterations < 0 || o.ValueSize < 0 || o.RoundTimeout <= TimeSpan.Zero
            || o.PutClients < 1 || o.Duration <= TimeSpan.Zero || o.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("Watchers, sockets (at most watchers), rounds, put clients, the duration and the round timeout must be positive; the rest not negative.");
        }

        return o;
    }
}

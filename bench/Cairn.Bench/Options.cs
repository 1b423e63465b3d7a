using System.Globalization;

namespace Cairn.Bench;

/// <summary>Command-line settings of <c>cairn-bench run</c>, parsed by hand (a handful of <c>--name value</c> pairs).</summary>
internal sealed class Options
{
    public string Target { get; private set; } = "cairn";
    public string? TcpUrl { get; private set; }
    public string? UnixSocket { get; private set; }
    public IReadOnlyList<int> Clients { get; private set; } = [1, 16, 64, 256];
    public IReadOnlyList<Workload> Workloads { get; private set; } = [Workload.Put, Workload.Get];
    public IReadOnlyList<Transport> Transports { get; private set; } = [Transport.Tcp, Transport.Unix];
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);
    public int Keys { get; private set; } = 10_000;
    public int ValueSize { get; private set; } = 256;
    public string Output { get; private set; } = "bench/results/results.jsonl";
    public bool SkipPreload { get; private set; }

    public const string Usage = """
        usage: cairn-bench run [options]
          --target cairn                 system under test (etcd and zookeeper targets come later)
          --tcp URL                      e.g. http://127.0.0.1:7070 (needed for transport tcp)
          --unix PATH                    the server's Unix socket (needed for transport unix)
          --clients 1,16,64,256          concurrent closed-loop clients per cell
          --workloads put,get            put = durable overwrite, get = read of a preloaded key,
                                         journal = durable journal append (seed-compatible API)
          --transports tcp,unix
          --duration 10                  measured seconds per cell
          --warmup 3                     unmeasured seconds before each cell
          --keys 10000 --value-size 256  key space and value size (bytes)
          --out FILE                     JSON lines, one object per cell (appended)
          --skip-preload                 the keys already exist
        cairn-bench watch --tcp URL [options]  (watch fan-out and SSE put->event; see below)
        cairn-bench report --results FILE --out FILE.md [--title T] [--note TEXT]...
        cairn-bench free-port
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--target": o.Target = Value(); break;
                case "--tcp": o.TcpUrl = Value(); break;
                case "--unix": o.UnixSocket = Value(); break;
                case "--clients": o.Clients = [.. Value().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]; break;
                case "--workloads": o.Workloads = [.. Value().Split(',').Select(w => Enum.Parse<Workload>(w, ignoreCase: true))]; break;
                case "--transports": o.Transports = [.. Value().Split(',').Select(t => Enum.Parse<Transport>(t, ignoreCase: true))]; break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--keys": o.Keys = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--value-size": o.ValueSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--out": o.Output = Value(); break;
                case "--skip-preload": o.SkipPreload = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (o.Clients.Any(c => c < 1) || o.Keys < 1 || o.ValueSize < 0 || o.Duration <= TimeSpan.Zero || o.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("Clients, keys and duration must be positive; value size and warm-up not negative.");
        }

        if (o.Transports.Contains(Transport.Tcp) && o.TcpUrl is null)
        {
            throw new ArgumentException("Transport tcp needs --tcp URL.");
        }

        if (o.Transports.Contains(Transport.Unix) && o.UnixSocket is null)
        {
            throw new ArgumentException("Transport unix needs --unix PATH.");
        }

        return o;
    }
}

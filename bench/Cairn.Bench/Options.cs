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
    public int Reps { get; private set; } = 1;
    public IReadOnlyList<int> ServerPids { get; private set; } = [];
    public string Tier { get; private set; } = "durable";
    public string Pinning { get; private set; } = "unpinned";
    public int WatchIterations { get; private set; } = 1000;
    public string? EtcdUrl { get; private set; }
    public string? GrpcUrl { get; private set; }
    public string? GrpcSocket { get; private set; }

    public const string Usage = """
        usage: cairn-bench run [options]
          --target cairn                 system under test: cairn, cairn-etcd (Cairn on etcd), cairn-zk
                                         (Cairn on ZooKeeper), etcd, nginx
                                         (the HTTP ceiling: a static 256-byte file, get only); ZooKeeper has
                                         its own driver, bench/zookeeper/ZkBench.java
          --tcp URL                      e.g. http://127.0.0.1:7070 (needed for transport tcp)
          --unix PATH                    the server's Unix socket (needed for transport unix)
          --etcd URL                     etcd's client URL (target etcd: transports grpc and json)
          --grpc URL                     Cairn's etcd gRPC listener, `cairn serve --etcd-listen http://…`
                                         (targets cairn, cairn-etcd, cairn-zk: transport grpc)
          --grpc-unix PATH               Cairn's etcd gRPC listener on a Unix socket, `--etcd-listen unix:PATH`
                                         (transport grpc-unix)
          --clients 1,16,64,256          concurrent closed-loop clients per cell
          --workloads put,get            put = durable overwrite, get = read of a preloaded key,
                                         create = new key, cas = compare-and-set of the client's own key,
                                         mix = 90 % get / 10 % put, watch = put-to-watch-event latency,
                                         journal = durable journal append (seed-compatible API),
                                         blobput, blobget = 1 MiB blobs
          --transports tcp,unix          tcp, unix (Cairn's HTTP API, nginx); grpc, grpc-unix (etcd's gRPC API
                                         of Cairn, with the driver of etcd's cells); grpc, json (etcd)
          --reps 1                       repetitions of each cell (one warm-up before the first)
          --server-pids P1,P2            processes whose CPU time is reported per 1,000 operations
          --tier durable --pinning unpinned   labels written into each result line
          --watch-iterations 1000        puts timed by the watch workload
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
                case "--transports": o.Transports = [.. Value().Split(',').Select(TransportNames.Parse)]; break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--keys": o.Keys = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--value-size": o.ValueSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--out": o.Output = Value(); break;
                case "--skip-preload": o.SkipPreload = true; break;
                case "--reps": o.Reps = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--server-pids": o.ServerPids = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))]; break;
                case "--tier": o.Tier = Value(); break;
                case "--pinning": o.Pinning = Value(); break;
                case "--watch-iterations": o.WatchIterations = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--etcd": o.EtcdUrl = Value(); break;
                case "--grpc": o.GrpcUrl = Value(); break;
                case "--grpc-unix": o.GrpcSocket = Value(); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (o.Reps < 1 || o.WatchIterations < 1)
        {
            throw new ArgumentException("--reps and --watch-iterations must be at least 1.");
        }

        if (o.Target == "etcd" && o.Transports.Any(t => t is Transport.Grpc or Transport.Json) && o.EtcdUrl is null)
        {
            throw new ArgumentException("Target etcd's transports grpc and json need --etcd URL.");
        }

        if (o.Target != "etcd" && o.Transports.Contains(Transport.Grpc) && o.GrpcUrl is null)
        {
            throw new ArgumentException($"Target {o.Target}'s transport grpc needs --grpc URL (its `--etcd-listen http://…`).");
        }

        if (o.Transports.Contains(Transport.GrpcUnix) && o.GrpcSocket is null)
        {
            throw new ArgumentException("Transport grpc-unix needs --grpc-unix PATH (the server's `--etcd-listen unix:PATH`).");
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

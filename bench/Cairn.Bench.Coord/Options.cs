using System.Globalization;

namespace Cairn.Bench.Coord;

/// <summary>Command-line settings of <c>cairn-bench-coord</c>.</summary>
internal sealed class Options
{
    public const string Usage = """
        cairn-bench-coord [--quick] [--targets LIST] [--contenders LIST] [--duration S] [--warmup S]
                          [--standbys N] [--failovers N] [--failover-warmup N] [--crash-rounds N] [--crash-ttl S]
                          [--participants N] [--barrier-rounds N] [--cell-deadline S]
                          [--cairn PATH] [--transport tcp|unix] [--etcd URL] [--out FILE.jsonl] [--markdown FILE.md]
          targets: cairn (`cairn serve` through Cairn.Client's handles), cairn-http (the same server through the routes
                   alone), cairn-lib-etcd (Cairn.Coordination in process on Cairn's etcd backend), etcd (etcd's
                   v3lock/v3election services via dotnet-etcd) (default: all)
          full defaults: --contenders 1,16 --duration 10 --warmup 2 --standbys 3 --failovers 50 --failover-warmup 5
                         --crash-rounds 5 --crash-ttl 2 --participants 64 --barrier-rounds 10 --cell-deadline 300
          --quick:       --duration 2 --warmup 0.5 --failovers 10 --failover-warmup 2 --crash-rounds 2
                         --barrier-rounds 3 --cell-deadline 120
          Lock: pairs/s and acquire latency of N loops on one mutex. Clean failover: the leader resigns → a standby's
          campaign returns. Crash failover: the leader's lease (TTL --crash-ttl) is not kept alive → a standby's
          campaign returns. Barrier: N participants enter a double barrier of count N; last arrival → all released.
          The cairn targets need --cairn (the cairn executable or cairn.dll); the etcd ones need --etcd (a client URL).
        """;

    public static readonly string[] AllTargets = ["cairn", "cairn-http", "cairn-lib-etcd", "etcd"];

    public IReadOnlyList<string> Targets { get; private set; } = AllTargets;

    public IReadOnlyList<int> Contenders { get; private set; } = [1, 16];

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);

    public int Standbys { get; private set; } = 3;

    public int Failovers { get; private set; } = 50;

    public int FailoverWarmup { get; private set; } = 5;

    public int CrashRounds { get; private set; } = 5;

    public long CrashTtl { get; private set; } = 2;

    public int Participants { get; private set; } = 64;

    public int BarrierRounds { get; private set; } = 10;

    public TimeSpan CellDeadline { get; private set; } = TimeSpan.FromSeconds(300);

    public string? Cairn { get; private set; }

    public string Transport { get; private set; } = "tcp";

    public string? Etcd { get; private set; }

    public string? Out { get; private set; }

    public string? Markdown { get; private set; }

    public bool Quick { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Duration = TimeSpan.FromSeconds(2);
            o.Warmup = TimeSpan.FromSeconds(0.5);
            o.Failovers = 10;
            o.FailoverWarmup = 2;
            o.CrashRounds = 2;
            o.BarrierRounds = 3;
            o.CellDeadline = TimeSpan.FromSeconds(120);
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => Positive(int.Parse(Next(), CultureInfo.InvariantCulture), args[i - 1]);
            TimeSpan Seconds() => TimeSpan.FromSeconds(Positive(double.Parse(Next(), CultureInfo.InvariantCulture), args[i - 1]));
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--targets":
                    o.Targets = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--contenders":
                    o.Contenders = [.. Next().Split(',').Select(w => Positive(int.Parse(w, CultureInfo.InvariantCulture), "--contenders"))];
                    break;
                case "--duration":
                    o.Duration = Seconds();
                    break;
                case "--warmup":
                    o.Warmup = Seconds();
                    break;
                case "--standbys":
                    o.Standbys = Int();
                    break;
                case "--failovers":
                    o.Failovers = Int();
                    break;
                case "--failover-warmup":
                    o.FailoverWarmup = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--crash-rounds":
                    o.CrashRounds = Int();
                    break;
                case "--crash-ttl":
                    o.CrashTtl = Int();
                    break;
                case "--participants":
                    o.Participants = Math.Max(2, Int());
                    break;
                case "--barrier-rounds":
                    o.BarrierRounds = Int();
                    break;
                case "--cell-deadline":
                    o.CellDeadline = Seconds();
                    break;
                case "--cairn":
                    o.Cairn = Next();
                    break;
                case "--transport":
                    o.Transport = Next() is "unix" or "tcp" ? args[i] : throw new ArgumentException("--transport is tcp or unix");
                    break;
                case "--etcd":
                    o.Etcd = Next();
                    break;
                case "--out":
                    o.Out = Next();
                    break;
                case "--markdown":
                    o.Markdown = Next();
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        foreach (var t in o.Targets)
        {
            if (!AllTargets.Contains(t))
            {
                throw new ArgumentException($"unknown target '{t}'");
            }
        }

        if ((o.Targets.Contains("cairn") || o.Targets.Contains("cairn-http")) && o.Cairn is null)
        {
            throw new ArgumentException("the cairn targets need --cairn PATH (the cairn executable or cairn.dll)");
        }

        if (o.Targets.Any(t => t.Contains("etcd", StringComparison.Ordinal)) && o.Etcd is null)
        {
            throw new ArgumentException("the etcd targets need --etcd URL (an etcd client URL such as http://127.0.0.1:2379)");
        }

        return o;
    }

    private static T Positive<T>(T value, string option)
        where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentException($"{option} must be positive");
}

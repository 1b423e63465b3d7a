using System.Globalization;

namespace Cairn.Bench.Jobs;

/// <summary>Command-line settings of <c>cairn-bench-jobs</c>.</summary>
internal sealed class Options
{
    public const string Usage = """
        cairn-bench-jobs [--quick] [--targets LIST] [--workers LIST] [--jobs N] [--enqueuers N] [--latency-rate N]
                         [--latency-seconds S] [--backlog N] [--backlog-workers N] [--hangfire-poll-ms MS]
                         [--enqueue-limit S] [--backlog-limit S] [--drain-limit S] [--deadline S]
                         [--cairn PATH] [--transport unix|tcp] [--out FILE.jsonl] [--markdown FILE.md]
          targets: cairn (client-hosted workers), cairn-server (in-server workers, type cairn.noop),
                   hangfire-sqlite (its defaults: journal DELETE), hangfire-sqlite-wal (journal WAL),
                   hangfire-inmemory (default: all)
          full defaults: --jobs 10000 --enqueuers 4 --latency-rate 5 --latency-seconds 20 --backlog 100000
                         --enqueue-limit 20 --backlog-limit 90 --drain-limit 90 --deadline 600
          --quick:       --jobs 1000 --latency-seconds 6 --backlog 5000 --enqueue-limit 5 --backlog-limit 20
                         --drain-limit 20 --deadline 120 (a minute or two per target)
          The latency rate is below every target's throughput on a small box (Hangfire on SQLite runs ~10 jobs/s on
          2 vCPUs), so that it measures the start latency of a job, not the wait in a queue that outgrows the workers.
          The enqueuers of the throughput and backlog cells stop at their limit (seconds) if the job count is not
          reached by then, and a backlog's drain is measured over at most --drain-limit seconds, so that a slow
          target does not take hours; the table says how many jobs a cell had.
        """;

    public static readonly string[] AllTargets = ["cairn", "cairn-server", "hangfire-sqlite", "hangfire-sqlite-wal", "hangfire-inmemory"];

    public IReadOnlyList<string> Targets { get; private set; } = AllTargets;

    public TimeSpan EnqueueLimit { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan BacklogLimit { get; private set; } = TimeSpan.FromSeconds(90);

    public TimeSpan DrainLimit { get; private set; } = TimeSpan.FromSeconds(90);

    public TimeSpan Deadline { get; private set; } = TimeSpan.FromSeconds(600);

    public IReadOnlyList<int> Workers { get; private set; } = [1, 8];

    public long Jobs { get; private set; } = 10_000;

    public int Enqueuers { get; private set; } = 4;

    public int LatencyRate { get; private set; } = 5;

    public double LatencySeconds { get; private set; } = 20;

    public long Backlog { get; private set; } = 100_000;

    public int BacklogWorkers { get; private set; } = 8;

    public TimeSpan HangfirePoll { get; private set; } = TimeSpan.FromMilliseconds(50);

    public string? Cairn { get; private set; }

    public string Transport { get; private set; } = "unix";

    public string? Out { get; private set; }

    public string? Markdown { get; private set; }

    public bool Quick { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Jobs = 1_000;
            o.LatencySeconds = 6;
            o.Backlog = 5_000;
            o.EnqueueLimit = TimeSpan.FromSeconds(5);
            o.BacklogLimit = TimeSpan.FromSeconds(20);
            o.DrainLimit = TimeSpan.FromSeconds(20);
            o.Deadline = TimeSpan.FromSeconds(120);
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--targets":
                    o.Targets = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--workers":
                    o.Workers = [.. Next().Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))];
                    break;
                case "--jobs":
                    o.Jobs = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--enqueuers":
                    o.Enqueuers = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--latency-rate":
                    o.LatencyRate = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--latency-seconds":
                    o.LatencySeconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--backlog":
                    o.Backlog = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--backlog-workers":
                    o.BacklogWorkers = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--hangfire-poll-ms":
                    o.HangfirePoll = TimeSpan.FromMilliseconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--enqueue-limit":
                    o.EnqueueLimit = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--backlog-limit":
                    o.BacklogLimit = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--drain-limit":
                    o.DrainLimit = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--deadline":
                    o.Deadline = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--cairn":
                    o.Cairn = Next();
                    break;
                case "--transport":
                    o.Transport = Next() is "unix" or "tcp" ? args[i] : throw new ArgumentException("--transport is unix or tcp");
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

        if (o.Targets.Any(t => t.StartsWith("cairn", StringComparison.Ordinal)) && o.Cairn is null)
        {
            throw new ArgumentException("the cairn targets need --cairn PATH (the cairn executable or cairn.dll)");
        }

        return o;
    }
}

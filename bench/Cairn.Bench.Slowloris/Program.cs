using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cairn.Bench.Slowloris;

// cairn-bench-slowloris: the latency of normal clients (GET/PUT of small keys) without and with a crowd of half-open
// connections from one attacking address (slowloris), and what the server does with the crowd. bench/slowloris.sh runs
// it against `cairn serve` (its defaults, and with the per-address cap lifted) and against etcd.
if (args.FirstOrDefault() == "report")
{
    return await SlowlorisReport.PrintAsync(args[1..]);
}

SlowlorisOptions options;
try
{
    options = SlowlorisOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("cairn-bench-slowloris: " + e.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;
var clients = new NormalClients(options);
var baseline = new Latencies();
var attacked = new Latencies();
var after = new Latencies();
var crowds = new List<Dictionary<string, object?>>();

Console.WriteLine($"{options.Label}: warming up");
await clients.MeasureAsync(Math.Min(400, options.Requests), ct);
for (var round = 1; round <= options.Rounds; round++)
{
    var (ms, errors, first) = await clients.MeasureAsync(options.Requests, ct);
    baseline.Add(ms, errors, first);
    Console.WriteLine($"{options.Label}: round {round} baseline: {Summary(ms, errors)}");

    using var crowd = new HalfOpenCrowd(options);
    await crowd.OpenAsync(ct);
    var openBefore = crowd.StillOpen();
    var measuring = Stopwatch.StartNew();
    (ms, errors, first) = await clients.MeasureAsync(options.Requests, ct);
    var measuredFor = measuring.Elapsed;
    var openAfter = crowd.StillOpen();
    attacked.Add(ms, errors, first);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{options.Label}: round {round} attack: {crowd.Connected}/{crowd.Requested} connected in {crowd.OpenedIn.TotalSeconds:0.0} s ({crowd.Failed} failed{(crowd.FirstError is null ? "" : ": " + crowd.FirstError)}), {openBefore} held when the measurement began and {openAfter} when it ended {measuredFor.TotalSeconds:0.0} s later: {Summary(ms, errors)}"));
    var record = new Dictionary<string, object?>
    {
        ["round"] = round,
        ["requested"] = crowd.Requested,
        ["connected"] = crowd.Connected,
        ["failed"] = crowd.Failed,
        ["first_error"] = crowd.FirstError,
        ["opened_in_s"] = Math.Round(crowd.OpenedIn.TotalSeconds, 2),
        ["held_at_start"] = openBefore,
        ["held_at_end"] = openAfter,
        ["measured_for_s"] = Math.Round(measuredFor.TotalSeconds, 2),
    };
    if (round == options.Rounds)
    {
        // Does the server let the crowd go (a header timeout), and when?
        var watching = Stopwatch.StartNew();
        var held = openAfter;
        while (held > 0 && watching.Elapsed < options.Observe)
        {
            await Task.Delay(500, ct);
            held = crowd.StillOpen();
        }

        record["observed_s"] = Math.Round(measuring.Elapsed.TotalSeconds + crowd.OpenedIn.TotalSeconds, 1);
        record["held_after_observing"] = held;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Label}: {held} of the crowd still held {measuring.Elapsed.TotalSeconds + crowd.OpenedIn.TotalSeconds:0} s after it began connecting"));
    }

    crowds.Add(record);
}

{
    var (ms, errors, first) = await clients.MeasureAsync(options.Requests, ct);
    after.Add(ms, errors, first);
    Console.WriteLine($"{options.Label}: after the crowd left: {Summary(ms, errors)}");
}

var ratio50 = attacked.Percentile(50) / baseline.Percentile(50);
var ratio99 = attacked.Percentile(99) / baseline.Percentile(99);
Console.WriteLine($"{options.Label}: baseline {baseline}");
Console.WriteLine($"{options.Label}: attacked {attacked}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Label}: ratio attacked/baseline p50 {ratio50:0.00}x, p99 {ratio99:0.00}x"));
if (options.Out is { } file)
{
    var line = JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["label"] = options.Label,
        ["target"] = options.Target,
        ["url"] = options.Url.ToString(),
        ["connections"] = options.Connections,
        ["clients"] = options.Clients,
        ["requests_per_measurement"] = options.Requests,
        ["rounds"] = options.Rounds,
        ["baseline"] = baseline.ToJson(),
        ["attacked"] = attacked.ToJson(),
        ["after"] = after.ToJson(),
        ["ratio_p50"] = Math.Round(ratio50, 3),
        ["ratio_p99"] = Math.Round(ratio99, 3),
        ["crowd"] = crowds,
        ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
    });
    await File.AppendAllTextAsync(file, line + Environment.NewLine, ct);
}

return 0;

static string Summary(List<double> ms, int errors)
{
    var one = new Latencies();
    one.Add(ms, errors, null);
    return one.ToString();
}

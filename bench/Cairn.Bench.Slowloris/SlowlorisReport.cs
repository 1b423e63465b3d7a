using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cairn.Bench.Slowloris;

/// <summary><c>cairn-bench-slowloris report FILE.jsonl</c>: the results of a run as one Markdown table.</summary>
internal static class SlowlorisReport
{
    public static async Task<int> PrintAsync(string[] args)
    {
        if (args.Length != 1 || !File.Exists(args[0]))
        {
            await Console.Error.WriteLineAsync("usage: cairn-bench-slowloris report FILE.jsonl").ConfigureAwait(false);
            return 2;
        }

        var table = new StringBuilder();
        table.AppendLine("| target | baseline p50 / p99 (ms) | under attack p50 / p99 (ms) | ratio p50 / p99 | errors (base / attack) | crowd connected / held at start / held at end (per round) | crowd held after | after the crowd p50 / p99 (ms) |");
        table.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var line in await File.ReadAllLinesAsync(args[0]).ConfigureAwait(false))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var r = JsonDocument.Parse(line).RootElement;
            var baseline = r.GetProperty("baseline");
            var attacked = r.GetProperty("attacked");
            var after = r.GetProperty("after");
            var rounds = r.GetProperty("crowd").EnumerateArray().ToList();
            var crowd = string.Join("; ", rounds.Select(c => $"{c.GetProperty("connected")} / {c.GetProperty("held_at_start")} / {c.GetProperty("held_at_end")}"));
            var last = rounds[^1];
            var held = last.TryGetProperty("held_after_observing", out var h)
                ? $"{h} after {last.GetProperty("observed_s").GetDouble().ToString("0", CultureInfo.InvariantCulture)} s"
                : "";
            table.AppendLine(CultureInfo.InvariantCulture, $"| {r.GetProperty("label").GetString()} | {Ms(baseline, "p50_ms")} / {Ms(baseline, "p99_ms")} | {Ms(attacked, "p50_ms")} / {Ms(attacked, "p99_ms")} | {r.GetProperty("ratio_p50").GetDouble():0.00}× / {r.GetProperty("ratio_p99").GetDouble():0.00}× | {baseline.GetProperty("errors")} / {attacked.GetProperty("errors")} | {crowd} | {held} | {Ms(after, "p50_ms")} / {Ms(after, "p99_ms")} |");
        }

        Console.Write(table.ToString());
        return 0;
    }

    private static string Ms(JsonElement phase, string name) => phase.GetProperty(name).GetDouble().ToString("0.00", CultureInfo.InvariantCulture);
}

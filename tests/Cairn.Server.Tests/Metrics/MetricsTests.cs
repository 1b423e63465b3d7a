using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Cairn.Server.Tests.Metrics;

/// <summary>
/// <c>/metrics</c> as Prometheus reads it, on each backend: a real server over TCP does a put, a delete, a txn, a lease
/// grant and revoke, a watch, a journal append and a blob put and get, and its scrape is parsed by the Prometheus
/// project's own Python parser (Debian's python3-prometheus-client), not by a regex of ours.
/// </summary>
public abstract class MetricsTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Deadlines against a hang, not measures of speed: generous for a heavily loaded machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Reads Prometheus text on stdin; prints each family's name, type and samples as JSON (and fails on text it
    // cannot parse).
    private const string Parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = [{"name": f.name, "type": f.type, "samples": [[s.name, s.labels, s.value] for s in f.samples]}
                    for f in text_string_to_metric_families(sys.stdin.read())]
        json.dump(families, sys.stdout)
        """;

    private readonly ServerFixture _server = new();

    /// <summary>Points the server at its backend before it starts.</summary>
    protected abstract Task ConfigureBackendAsync(ServerFixture server);

    public async Task InitializeAsync()
    {
        await ConfigureBackendAsync(_server);
        await _server.InitializeAsync();
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Scrape_ParsesAsPrometheusText_EachFamilyOnce_WithTheKeyspaceAndModuleFiguresTheCallsImply()
    {
        using var http = _server.TcpHttp();
        http.Timeout = Deadline;
        await SucceedsAsync(http.PutAsync("/v1/kv/metrics/a", new StringContent("1")));
        await SucceedsAsync(http.PutAsync("/v1/kv/metrics/b", new StringContent("2")));
        await SucceedsAsync(http.DeleteAsync("/v1/kv/metrics/b"));
        await SucceedsAsync(http.PostAsync("/v1/txn", Json("""
            {"compare":[{"key":"metrics/a","target":"version","result":"greater","number":0}],
             "success":[{"put":{"key":"metrics/c","text":"3"}},{"range":{"key":"metrics/","prefix":true}}]}
            """)));
        var lease = await SucceedsAsync(http.PostAsync("/v1/leases", Json("""{"ttl":60}""")));
        var leaseId = JsonDocument.Parse(lease).RootElement.GetProperty("id").GetInt64();
        await SucceedsAsync(http.DeleteAsync("/v1/leases/" + leaseId.ToString(CultureInfo.InvariantCulture)));
        var txid = "metrics-" + Guid.NewGuid().ToString("N")[..12];
        await SucceedsAsync(http.PostAsync($"/v1/journal/{txid}/begin", Json("""{"n":1}""")));
        await SucceedsAsync(http.PostAsync($"/v1/journal/{txid}/commit", Json("""{"n":2}""")));
        var body = new byte[10_000];
        Random.Shared.NextBytes(body);
        await SucceedsAsync(http.PutAsync("/v1/blobs/metrics/blob.bin", new ByteArrayContent(body)));
        Assert.Equal(body, await http.GetByteArrayAsync("/v1/blobs/metrics/blob.bin"));
        using var watch = await SseStream.OpenAsync(http, "/v1/watch?key=metrics/&prefix=true");

        // Figures read at scrape time are at most a second old, and the cluster's first leader takes a moment: scrape
        // until they show what was done.
        IReadOnlyList<Family> families = [];
        string text = "";
        await Eventually.UntilAsync(
            async () =>
            {
                text = await http.GetStringAsync("/metrics");
                families = await ParseAsync(text);
                var values = Samples(families);
                return values.GetValueOrDefault("cairn_keys") >= 2
                    && values.GetValueOrDefault("cairn_watchers") >= 1
                    && values.GetValueOrDefault("cairn_has_leader") == 1;
            },
            Deadline,
            "the scrape shows the keys, the open watch and a leader");

        // Each family once, counters named as Prometheus names them, none of the runtime's QUIC internals.
        var typeLines = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        Assert.Empty(typeLines.GroupBy(t => t[2]).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(families.GroupBy(f => f.Name).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(typeLines.Where(t => t[3] == "counter" && !t[2].EndsWith("_total", StringComparison.Ordinal)).Select(t => t[2]));
        Assert.Empty(families.Where(f => f.Name.Contains("quic", StringComparison.OrdinalIgnoreCase)).Select(f => f.Name));

        // The parser names a counter family without its _total.
        var types = families.ToDictionary(f => f.Name, f => f.Type);
        foreach (var counter in new[] { "cairn_put", "cairn_delete", "cairn_txn", "cairn_range", "cairn_compact", "cairn_lease_granted", "cairn_lease_revoked", "cairn_leader_changes_seen", "cairn_journal_appends", "cairn_journal_commits", "cairn_journal_aborts", "cairn_blob_bytes_in", "cairn_blob_bytes_out", "http_requests_received" })
        {
            Assert.True(types.GetValueOrDefault(counter) == "counter", $"{counter}: {types.GetValueOrDefault(counter) ?? "missing"}");
        }

        foreach (var gauge in new[] { "cairn_keys", "cairn_db_size_bytes", "cairn_revision", "cairn_watchers", "cairn_leases", "cairn_has_leader", "cairn_jobs" })
        {
            Assert.True(types.GetValueOrDefault(gauge) == "gauge", $"{gauge}: {types.GetValueOrDefault(gauge) ?? "missing"}");
        }

        Assert.Equal("histogram", types.GetValueOrDefault("cairn_write_duration_seconds"));
        Assert.Equal("histogram", types.GetValueOrDefault("http_request_duration_seconds"));

        // Values the calls above imply (at least: a backend's own work, the cluster's registration, counts too).
        var samples = Samples(families);
        Assert.True(samples["cairn_put_total"] >= 3, "puts: two, and one in the txn");
        Assert.True(samples["cairn_delete_total"] >= 1);
        Assert.True(samples["cairn_txn_total"] >= 1);
        Assert.True(samples["cairn_range_total"] >= 1);
        Assert.True(samples["cairn_lease_granted_total"] >= 1);
        Assert.True(samples["cairn_lease_revoked_total"] >= 1);
        Assert.True(samples["cairn_write_duration_seconds_count"] >= 4);
        Assert.True(samples["cairn_revision"] >= 4);
        Assert.True(samples["cairn_db_size_bytes"] > 0);
        Assert.True(samples["cairn_leader_changes_seen_total"] >= 1, "the first leader is a change, as etcd counts it");
        Assert.True(samples["cairn_journal_appends_total"] >= 2);
        Assert.True(samples["cairn_journal_commits_total"] >= 1);
        Assert.True(samples["cairn_blob_bytes_in_total"] >= body.Length);
        Assert.True(samples["cairn_blob_bytes_out_total"] >= body.Length);
        foreach (var state in new[] { "scheduled", "enqueued", "processing", "succeeded", "failed", "cancelled" })
        {
            Assert.True(samples.ContainsKey($"cairn_jobs{{state=\"{state}\"}}"), "jobs in state " + state);
        }

        // Closing the watch gives its place back (the modules keep watches of their own open).
        var open = samples["cairn_watchers"];
        watch.Dispose();
        await Eventually.UntilAsync(
            async () => Samples(await ParseAsync(await http.GetStringAsync("/metrics"))).GetValueOrDefault("cairn_watchers", open) <= open - 1,
            Deadline,
            "the closed watch leaves cairn_watchers");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> SucceedsAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        return text;
    }

    // Sample name with its labels (name{a="b"}) → value.
    private static Dictionary<string, double> Samples(IEnumerable<Family> families) =>
        families.SelectMany(f => f.Samples).ToDictionary(
            s => s.Labels.Count == 0 ? s.Name : s.Name + "{" + string.Join(",", s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}",
            s => s.Value);

    private async Task<IReadOnlyList<Family>> ParseAsync(string text)
    {
        // Debian's python (where python3-prometheus-client is), whatever else is first on PATH.
        var info = new ProcessStartInfo("/usr/bin/python3", ["-c", Parser])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var python = Process.Start(info)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        await python.StandardInput.WriteAsync(text);
        python.StandardInput.Close();
        using var deadline = new CancellationTokenSource(Deadline);
        await python.WaitForExitAsync(deadline.Token);
        var json = await stdout;
        Assert.True(python.ExitCode == 0, $"prometheus_client could not parse /metrics ({python.ExitCode}): {await stderr}\n{text}");
        var families = JsonSerializer.Deserialize<JsonElement>(json).EnumerateArray().Select(f => new Family(
            f.GetProperty("name").GetString()!,
            f.GetProperty("type").GetString()!,
            [.. f.GetProperty("samples").EnumerateArray().Select(s => new Sample(
                s[0].GetString()!,
                s[1].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                s[2].ValueKind == JsonValueKind.Number ? s[2].GetDouble() : double.NaN))])).ToList();
        foreach (var family in families.Where(f => f.Name.StartsWith("cairn_", StringComparison.Ordinal)))
        {
            output.WriteLine($"{family.Name} {family.Type} {string.Join(" ", family.Samples.Where(s => !s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => $"{s.Name}{(s.Labels.Count == 0 ? "" : "{" + string.Join(",", s.Labels.Select(l => l.Key + "=" + l.Value)) + "}")}={s.Value.ToString(CultureInfo.InvariantCulture)}"))}");
        }

        return families;
    }

    private sealed record Family(string Name, string Type, IReadOnlyList<Sample> Samples);

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}

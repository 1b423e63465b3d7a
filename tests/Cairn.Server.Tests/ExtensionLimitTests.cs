using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Cairn.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>
/// The extension runner's limit over HTTP, with a real extension process that holds its turn until the test opens
/// its gate: at most <c>Extensions:MaxConcurrent</c> processes at once, <c>Extensions:MaxQueued</c> calls waiting,
/// every other call refused at once with 503 and <c>Retry-After</c>, and the server still answering meanwhile.
/// </summary>
public sealed class ExtensionLimitTests(ExtensionLimitTests.Fixture fixture) : IClassFixture<ExtensionLimitTests.Fixture>
{
    private const int MaxConcurrent = 4;
    private const int MaxQueued = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>A server whose extensions run four at a time with eight waiting, and an extension <c>slow GATE</c>
    /// that marks itself in <c>running-GATE/</c> while it runs and finishes only once the file <c>open-GATE</c> exists.</summary>
    public sealed class Fixture : ServerFixture, IAsyncLifetime
    {
        public Fixture()
        {
            // The working directory of an extension is the extensions directory, where the runs (as nobody) leave their
            // marks: writable by everyone here, and beside the data directory, which nobody cannot enter.
            ProgramDirectories.Create(ExtensionsDir, writable: true);

            // Each run logs its pid and how many runs it saw (itself included) when it started, then waits for its gate
            // without burning the CPU.
            ProgramDirectories.Executable(Path.Combine(ExtensionsDir, "slow"), """
                #!/bin/sh
                gate="$1"
                mkdir -p "running-$gate"
                : > "running-$gate/$$"
                echo $$ >> "started-$gate"
                ls "running-$gate" | wc -l >> "seen-$gate"
                while [ ! -e "open-$gate" ]; do sleep 0.2; done
                rm -f "running-$gate/$$"
                printf '{"pid": %d}' $$

                """);

            Settings["Extensions:Directory"] = ExtensionsDir;
            Settings["Extensions:MaxConcurrent"] = MaxConcurrent.ToString(CultureInfo.InvariantCulture);
            Settings["Extensions:MaxQueued"] = MaxQueued.ToString(CultureInfo.InvariantCulture);
            // A thousand calls at once from one address: past the per-address connection cap (1,000) otherwise.
            Settings["Limits:MaxConnectionsPerAddress"] = "0";
            // Long enough that no run or wait is cut short on a loaded machine: these tests open the gates themselves.
            Settings["Extensions:QueueTimeout"] = "5m";
            Settings["Extensions:Timeout"] = "5m";
        }

        public string ExtensionsDir => DataDir + "-ext";

        Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

        async Task IAsyncLifetime.DisposeAsync()
        {
            await DisposeAsync();
            ProgramDirectories.Delete(ExtensionsDir);
        }

        public ExtensionRunner Runner => Server.Services.GetRequiredService<ExtensionRunner>();

        /// <summary>Runs of <paramref name="gate"/> going on now, by their markers.</summary>
        public int Running(string gate) =>
            Directory.Exists(Path.Combine(ExtensionsDir, "running-" + gate)) ? Directory.GetFiles(Path.Combine(ExtensionsDir, "running-" + gate)).Length : 0;

        /// <summary>Lines the runs of <paramref name="gate"/> logged in <paramref name="log"/> (<c>started</c>, <c>seen</c>).</summary>
        public IReadOnlyList<int> Log(string gate, string log)
        {
            var path = Path.Combine(ExtensionsDir, log + "-" + gate);
            return File.Exists(path)
                ? [.. File.ReadAllLines(path).Where(l => l.Trim().Length > 0).Select(l => int.Parse(l.Trim(), CultureInfo.InvariantCulture))]
                : [];
        }

        public void Open(string gate) => File.WriteAllText(Path.Combine(ExtensionsDir, "open-" + gate), "");
    }

    private sealed record Answer(HttpStatusCode Status, string? RetryAfter, string Body);

    private static async Task<Answer> CallAsync(HttpClient http, string gate, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("/v1/extensions/slow/" + gate, cancellationToken);
        return new Answer(response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private HttpClient Client() => new(new SocketsHttpHandler()) { BaseAddress = new Uri(fixture.TcpEndpoint), Timeout = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task AThousandCallsAtOnce_RunFourProcessesAtATime_TheQueueWaits_AndTheRestAreRefusedAtOnce()
    {
        const string gate = "wave";
        using var http = Client();
        var calls = Enumerable.Range(0, 1000).Select(_ => Task.Run(() => CallAsync(http, gate))).ToList();

        // Everyone past the four runs and the eight waiting is answered while the runs still hold their turns.
        await Eventually.UntilAsync(() => calls.Count(c => c.IsCompleted) >= 1000 - MaxConcurrent - MaxQueued, Deadline, "the calls past the queue are refused");
        await Eventually.UntilAsync(() => fixture.Running(gate) == MaxConcurrent && fixture.Runner.Queued == MaxQueued, Deadline, "four runs are going and eight calls wait");
        var refused = await Task.WhenAll(calls.Where(c => c.IsCompleted));
        Assert.Equal(1000 - MaxConcurrent - MaxQueued, refused.Length);
        foreach (var answer in refused)
        {
            Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)answer.Status}: {answer.Body}");
            Assert.Equal("1", answer.RetryAfter);
            var problem = JsonDocument.Parse(answer.Body).RootElement;
            Assert.Equal("unavailable", problem.GetProperty("code").GetString());
            Assert.Contains("extension queue is full", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(MaxConcurrent, fixture.Log(gate, "started").Count);
        Assert.Equal(MaxConcurrent, fixture.Runner.Running);

        // The server is not stalled by the load: a status call from a new client answers promptly.
        using (var other = Client())
        {
            var clock = Stopwatch.StartNew();
            var status = await other.GetAsync("/v1/status");
            clock.Stop();
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"/v1/status took {clock.Elapsed.TotalSeconds:0.00} s while the extensions were busy");

            // /metrics shows it (its gauges add up every runner in this process, so at least ours).
            var metrics = await other.GetStringAsync("/metrics");
            Assert.True(Metric(metrics, "cairn_extension_runs_running") >= MaxConcurrent, metrics);
            Assert.True(Metric(metrics, "cairn_extension_runs_queued") >= MaxQueued, metrics);
            Assert.True(Metric(metrics, "cairn_extension_runs_refused_total") >= refused.Length, metrics);
        }

        // Opening the gate lets the runs finish and the queued calls run in their turn, never more than four at once.
        fixture.Open(gate);
        var served = await Task.WhenAll(calls).WaitAsync(Deadline);
        var succeeded = served.Where(a => a.Status == HttpStatusCode.OK).ToList();
        Assert.Equal(MaxConcurrent + MaxQueued, succeeded.Count);
        Assert.Equal(MaxConcurrent + MaxQueued, succeeded.Select(a => JsonDocument.Parse(a.Body).RootElement.GetProperty("pid").GetInt32()).Distinct().Count());
        Assert.Equal(MaxConcurrent + MaxQueued, fixture.Log(gate, "started").Count);
        Assert.All(fixture.Log(gate, "seen"), seen => Assert.InRange(seen, 1, MaxConcurrent));
        await Eventually.UntilAsync(() => fixture.Runner.Running == 0 && fixture.Runner.Queued == 0, Deadline, "the runner is idle again");
    }

    [Fact]
    public async Task AQueuedCallWhoseClientGoesAway_LeavesTheQueue_AndNeverRuns()
    {
        const string gate = "leave";
        using var http = Client();
        var running = Enumerable.Range(0, MaxConcurrent).Select(_ => CallAsync(http, gate)).ToList();
        await Eventually.UntilAsync(() => fixture.Running(gate) == MaxConcurrent, Deadline, "four runs are going");

        using var leaving = new CancellationTokenSource();
        var left = CallAsync(http, gate, leaving.Token);
        await Eventually.UntilAsync(() => fixture.Runner.Queued == 1, Deadline, "the fifth call waits");
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
        await Eventually.UntilAsync(() => fixture.Runner.Queued == 0, Deadline, "the call whose client went away left the queue");

        // Its place is free: eight more calls wait, and only the ninth is refused.
        var queued = Enumerable.Range(0, MaxQueued).Select(_ => CallAsync(http, gate)).ToList();
        await Eventually.UntilAsync(() => fixture.Runner.Queued == MaxQueued, Deadline, "eight calls wait");
        var ninth = await CallAsync(http, gate);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ninth.Status);

        fixture.Open(gate);
        var served = await Task.WhenAll(running.Concat(queued)).WaitAsync(Deadline);
        Assert.All(served, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(MaxConcurrent + MaxQueued, fixture.Log(gate, "started").Count);
    }

    [Theory]
    [InlineData("Extensions:MaxConcurrent", "0")]
    [InlineData("Extensions:MaxQueued", "-1")]
    [InlineData("Extensions:QueueTimeout", "0")]
    [InlineData("Extensions:QueueTimeout", "a while")]
    public async Task ALimitThatIsNotPositive_IsAStartupError_ThatNamesTheSetting(string setting, string value)
    {
        var data = Path.Combine(Path.GetTempPath(), "cairn-startup-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data,
                ["Listen:0"] = "http://127.0.0.1:0",
                [setting] = value,
            }));

            Assert.Contains(setting, error.Message, StringComparison.Ordinal);
            Assert.Contains(value, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static double Metric(string metrics, string name) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(double.NaN)
            .Single();
}

using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli.Tests;

/// <summary>A server that runs its built-in handlers (<c>cairn.noop</c>) on the default queue.</summary>
public sealed class JobsCliFixture : ServerFixture
{
    public JobsCliFixture()
    {
        // The server checks at enqueue that a script job's script exists in its jobs directory; workers run their own.
        Directory.CreateDirectory(ScriptsDir);
        Settings["Jobs:Directory"] = ScriptsDir;
        Settings["Jobs:Workers"] = "2";
        Settings["Jobs:Backoff"] = "1s";
        Settings["Jobs:MaxBackoff"] = "2s";
    }

    /// <summary>The server's jobs directory (in its data directory, removed with it).</summary>
    public string ScriptsDir => Path.Combine(DataDir, "test-jobs");
}

/// <summary><c>cairn job …</c> and <c>cairn worker</c> (in-process) against a real server. Jobs that must stay put go to a
/// queue of their own that no worker takes from.</summary>
public sealed class JobCommandTests(JobsCliFixture fixture) : IClassFixture<JobsCliFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    private Task<CliRun> Cairn(string transport, params string[] args) => CliRun.RunAsync([.. args, "--endpoint", fixture.Endpoint(transport)]);

    private Task<CliRun> Tcp(params string[] args) => Cairn("tcp", args);

    private static T Parse<T>(CliRun run)
    {
        Assert.True(run.ExitCode == 0, $"cairn exited {run.ExitCode}: {run.Error}");
        return JsonSerializer.Deserialize<T>(run.Out, WireJson.Options)!;
    }

    private static string Id(CliRun run)
    {
        Assert.True(run.ExitCode == 0, $"cairn exited {run.ExitCode}: {run.Error}");
        return Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task RunWait_OnNoop_PrintsTheId_AndExitsZeroWhenItSucceeds_ThenShowAndLogsDescribeIt(string transport)
    {
        var run = await Cairn(transport, "job", "run", "cairn.noop", "--args", """{"hello":"world"}""", "--wait");
        var id = run.Out.Split('\n')[0];

        var show = await Cairn(transport, "job", "show", id);
        var json = Parse<JobDto>(await Cairn(transport, "job", "show", id, "--json"));
        var logs = await Cairn(transport, "job", "logs", id);

        Assert.True(run.ExitCode == 0, $"cairn exited {run.ExitCode}: {run.Error}");
        Assert.Matches(@"^\d+$", id);
        Assert.Equal(JobStates.Succeeded, json.State);
        Assert.Equal("world", json.Result!.Value.GetProperty("hello").GetString());
        Assert.Equal(0, show.ExitCode);
        Assert.Matches(@"(?m)^state\s+succeeded$", show.Out);
        Assert.Matches(@"(?m)^type\s+cairn\.noop$", show.Out);
        Assert.Matches(@"(?m)^result\s+\{""hello"":""world""\}$", show.Out);
        Assert.Matches(@"(?m)^1\s+succeeded\s+\d{4}-", show.Out);
        Assert.Equal(0, logs.ExitCode);
        Assert.Equal("", logs.Error);
    }

    [Fact]
    public async Task RunWait_WithArgsFromAFile_PassesThem()
    {
        var file = Path.Combine(fixture.DataDir, Unique("args") + ".json");
        await File.WriteAllTextAsync(file, """{"from":"file"}""");

        var run = await Tcp("job", "run", "cairn.noop", "--args", "@" + file, "--wait", "--json");

        var job = Parse<JobDto>(run);
        Assert.Equal(JobStates.Succeeded, job.State);
        Assert.Equal("file", job.Result!.Value.GetProperty("from").GetString());
    }

    [Fact]
    public async Task RunWait_OnAJobThatIsCancelled_ExitsNonZero_WithOneLineSayingSo()
    {
        var queue = Unique("idle");
        using var client = new CairnClient(fixture.TcpEndpoint);
        using var stop = new CancellationTokenSource(Deadline);
        var (exit, output) = CliRun.Start(["job", "run", "cairn.noop", "--queue", queue, "--wait", "--endpoint", fixture.TcpEndpoint], stop.Token);

        await Eventually.UntilAsync(() => output().Contains('\n') || exit.IsCompleted, Deadline, "the id is printed");
        var id = long.Parse(output().Split('\n')[0], CultureInfo.InvariantCulture);
        await client.CancelJobAsync(id);
        var code = await exit.WaitAsync(Deadline);

        Assert.Equal(JobCommands.JobDidNotSucceed, code);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task LsCancelRetryRm_ManageAWaitingJob(string transport)
    {
        var queue = Unique("idle");
        var id = Id(await Cairn(transport, "job", "run", "cairn.noop", "--queue", queue, "--max-attempts", "3", "--timeout", "10m", "--idempotency-key", Unique("k")));
        var other = Id(await Cairn(transport, "job", "run", "app.other", "--queue", queue));

        var ls = await Cairn(transport, "job", "ls", "--queue", queue);
        var lsType = Parse<JobListDto>(await Cairn(transport, "job", "ls", "--queue", queue, "--type", "app.other", "--json"));
        var show = Parse<JobDto>(await Cairn(transport, "job", "show", id, "--json"));
        var cancel = await Cairn(transport, "job", "cancel", id);
        var lsCancelled = Parse<JobListDto>(await Cairn(transport, "job", "ls", "--queue", queue, "--state", "cancelled", "--json"));
        var retry = await Cairn(transport, "job", "retry", id);
        var page = await Cairn(transport, "job", "ls", "--queue", queue, "--limit", "1");
        var rm = await Cairn(transport, "job", "rm", id);
        var gone = await Cairn(transport, "job", "show", id);
        var rmAgain = await Cairn(transport, "job", "rm", id);

        Assert.Matches($@"(?m)^ID\s+STATE\s+TYPE\s+QUEUE\s+ATTEMPTS\s+CREATED\s+REASON$", ls.Out);
        Assert.Matches($@"(?m)^{id}\s+enqueued\s+cairn\.noop\s+{queue}\s+0/3\s+\d{{4}}-", ls.Out);
        Assert.Matches($@"(?m)^{other}\s+enqueued\s+app\.other\s+", ls.Out);
        Assert.Equal([long.Parse(other, CultureInfo.InvariantCulture)], lsType.Jobs.Select(j => j.Id));
        Assert.Equal(600, show.TimeoutSeconds);
        Assert.Equal(3, show.MaxAttempts);
        Assert.Equal($"job {id} cancelled\n", cancel.Out);
        Assert.Equal([long.Parse(id, CultureInfo.InvariantCulture)], lsCancelled.Jobs.Select(j => j.Id));
        Assert.Equal($"job {id} enqueued\n", retry.Out);
        Assert.Equal(2, page.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"--after {id}", page.Error, StringComparison.Ordinal);
        Assert.Equal($"job {id} deleted\n", rm.Out);
        Assert.Contains($"no job {id}", gone.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Contains($"no job {id}", rmAgain.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_In_And_At_MakeScheduledJobs()
    {
        var queue = Unique("later");
        var before = DateTimeOffset.UtcNow;

        var inAnHour = Parse<JobDto>(await Tcp("job", "schedule", "cairn.noop", "--in", "1h", "--queue", queue, "--json"));
        var at = Parse<JobDto>(await Cairn("unix", "job", "schedule", "cairn.noop", "--at", "2030-01-02T03:04:05Z", "--queue", queue, "--json"));

        Assert.Equal(JobStates.Scheduled, inAnHour.State);
        Assert.InRange(inAnHour.RunAt!.Value, before.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal(JobStates.Scheduled, at.State);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), at.RunAt);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Recurring_AddLsTriggerRm(string transport)
    {
        var name = Unique("nightly");

        var add = await Cairn(transport, "job", "recurring", "add", name, "cairn.noop", "--every", "1", "--unit", "days", "--args", """{"r":1}""");
        var replace = await Cairn(transport, "job", "recurring", "add", name, "cairn.noop", "--cron", "0 3 * * *", "--tz", "Europe/London", "--misfire", "skip", "--args", """{"r":2}""");
        var ls = await Cairn(transport, "job", "recurring", "ls");
        var lsJson = Parse<RecurringJobListDto>(await Cairn(transport, "job", "recurring", "ls", "--json"));
        var trigger = await Cairn(transport, "job", "recurring", "trigger", name);
        var id = Id(trigger);
        using var client = new CairnClient(fixture.Endpoint(transport));
        JobDto? fired = null;
        await Eventually.UntilAsync(async () => (fired = await client.GetJobAsync(long.Parse(id, CultureInfo.InvariantCulture)))!.State == JobStates.Succeeded, Deadline, "the triggered job succeeds");
        var rm = await Cairn(transport, "job", "recurring", "rm", name);
        var rmAgain = await Cairn(transport, "job", "recurring", "rm", name);

        Assert.Matches($@"^recurring {name} created, next at \d{{4}}-\d\d-\d\dT", add.Out);
        Assert.Matches($@"^recurring {name} replaced, next at ", replace.Out);
        Assert.Matches($@"(?m)^{name}\s+cairn\.noop\s+0 3 \* \* \* \(Europe/London\)\s+\d{{4}}-", ls.Out);
        var listed = Assert.Single(lsJson.Recurring, r => r.Name == name);
        Assert.Equal("skip", listed.Misfire);
        Assert.Equal(name, fired!.Recurring);
        Assert.Equal(2, fired.Result!.Value.GetProperty("r").GetInt32());
        Assert.Equal($"recurring {name} removed\n", rm.Out);
        Assert.Contains(name, rmAgain.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("is not JSON", "job", "run", "cairn.noop", "--args", "{bad")]
    [InlineData("must be a JSON object", "job", "run", "cairn.noop", "--args", "[1,2]")]
    [InlineData("cannot read", "job", "run", "cairn.noop", "--args", "@/nonexistent/args.json")]
    [InlineData("--timeout 'soon' is not a duration", "job", "run", "cairn.noop", "--timeout", "soon")]
    [InlineData("--max-attempts must be at least 1", "job", "run", "cairn.noop", "--max-attempts", "0")]
    [InlineData("exactly one of --at", "job", "schedule", "cairn.noop")]
    [InlineData("exactly one of --at", "job", "schedule", "cairn.noop", "--at", "2030-01-01T00:00:00Z", "--in", "1h")]
    [InlineData("not an ISO-8601 time", "job", "schedule", "cairn.noop", "--at", "tomorrow")]
    [InlineData("not a job state", "job", "ls", "--state", "sleeping")]
    [InlineData("", "job", "show", "abc")]
    [InlineData("", "job", "show")]
    [InlineData("no job", "job", "logs", "987654321987")]
    [InlineData("no job", "job", "cancel", "987654321987")]
    [InlineData("exactly one schedule", "job", "recurring", "add", "n1", "cairn.noop")]
    [InlineData("not a unit", "job", "recurring", "add", "n1", "cairn.noop", "--every", "1", "--unit", "fortnights")]
    [InlineData("--every needs --unit", "job", "recurring", "add", "n1", "cairn.noop", "--every", "2")]
    [InlineData("not a policy", "job", "recurring", "add", "n1", "cairn.noop", "--every", "2", "--unit", "days", "--misfire", "never")]
    [InlineData("cron", "job", "recurring", "add", "n1", "cairn.noop", "--cron", "every tuesday")]
    [InlineData("no recurring job", "job", "recurring", "trigger", "never-made")]
    [InlineData("--concurrency must be at least 1", "worker", "--concurrency", "0")]
    [InlineData("no directory", "worker", "--scripts", "/nonexistent/jobs")]
    [InlineData("--queues", "worker", "--queues", "a b")]
    public async Task BadInput_FailsWithOneLine(string expected, params string[] args)
    {
        var run = await Tcp(args);

        Assert.Contains(expected, run.AssertOneLineError(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ABadJobType_IsTheServersOneLineError()
    {
        var run = await Tcp("job", "run", "no spaces allowed");

        Assert.Contains("type", run.AssertOneLineError(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Worker_InProcess_RunsAScriptJob_ItsLogFollowsLive_AndItStopsWhenCancelled()
    {
        var scripts = Directory.CreateTempSubdirectory("cairn-worker-scripts-");
        try
        {
            // The worker runs scripts as nobody (the tests run as root): its directory must be one nobody can enter.
            OpenToScripts(scripts.FullName, writable: false);
            WriteScript(scripts.FullName, "hello.sh", "#!/bin/sh\necho \"hello from $(cat)\"\necho done\n");
            WriteScript(fixture.ScriptsDir, "hello.sh", "#!/bin/sh\nexit 1\n"); // what the server checks; never run
            var queue = Unique("scripts");
            using var stop = new CancellationTokenSource();
            var (exit, _) = CliRun.Start(["worker", "--queues", queue, "--scripts", scripts.FullName, "--concurrency", "1", "--endpoint", fixture.UnixEndpoint], stop.Token);
            try
            {
                var run = await Tcp("job", "run", "script:hello.sh", "--queue", queue, "--args", """{"who":"cli"}""", "--wait");
                var logs = await Tcp("job", "logs", run.Out.Split('\n')[0], "--attempt", "1");
                var all = await Tcp("job", "logs", run.Out.Split('\n')[0]);
                var follow = await Tcp("job", "logs", run.Out.Split('\n')[0], "-f");

                Assert.True(run.ExitCode == 0, $"cairn exited {run.ExitCode}: {run.Error} {run.Out}");
                Assert.Contains("hello from {\"who\":\"cli\"}", run.Out, StringComparison.Ordinal);
                Assert.Contains("hello from {\"who\":\"cli\"}\n", logs.Out, StringComparison.Ordinal);
                Assert.Contains("done\n", logs.Out, StringComparison.Ordinal);
                Assert.StartsWith("--- attempt 1 ---\nhello from", all.Out, StringComparison.Ordinal);
                Assert.Equal(all.Out, follow.Out);
            }
            finally
            {
                await stop.CancelAsync();
            }

            Assert.Equal(0, await exit.WaitAsync(Deadline));
        }
        finally
        {
            scripts.Delete(recursive: true);
        }
    }

    /// <summary>Writes an executable script (mode 0755: scripts run as nobody when the worker is root) into a job
    /// directory.</summary>
    internal static void WriteScript(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }
    }

    /// <summary>Lets the scripts' user (nobody, as the tests run as root) enter a job directory (0755), or also write in it
    /// (0777).</summary>
    internal static void OpenToScripts(string directory, bool writable)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)(writable ? 0b111_111_111 : 0b111_101_101));
        }
    }
}

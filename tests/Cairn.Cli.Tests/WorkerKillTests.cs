using System.Diagnostics;
using System.Globalization;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli.Tests;

/// <summary>
/// A server that runs no jobs itself (<c>cairn worker</c> processes do) and whose claims expire 4 s after a worker's last
/// heartbeat (workers heartbeat every third of that), with a short retry backoff. The clock is the real one: the claims
/// are held by real worker processes heartbeating on their own clocks, and expire on the server's, as in production;
/// 4 s rather than less so that a live worker on a loaded machine does not lose its claim before the test kills it.
/// </summary>
public sealed class KillTestFixture : ServerFixture
{
    public KillTestFixture()
    {
        // The server checks at enqueue that a script job's script exists in its jobs directory; the workers run their own.
        Directory.CreateDirectory(ScriptsDir);
        JobCommandTests.WriteScript(ScriptsDir, "block.sh", "#!/bin/sh\nexit 1\n");
        Settings["Jobs:Directory"] = ScriptsDir;
        Settings["Jobs:Workers"] = "0";
        Settings["Jobs:ClaimTtl"] = "4s";
        Settings["Jobs:Backoff"] = "1s";
        Settings["Jobs:MaxBackoff"] = "1s";
    }

    /// <summary>The server's jobs directory (in its data directory, removed with it).</summary>
    public string ScriptsDir => Path.Combine(DataDir, "test-jobs");
}

/// <summary>The kill test: a <c>cairn worker</c> process is killed (SIGKILL) mid-job; its claim expires, another worker
/// runs the job to success, exactly one success is recorded, and the dead attempt's late completion is refused.</summary>
public sealed class WorkerKillTests(KillTestFixture fixture) : IClassFixture<KillTestFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    // Waits for a file named "go" beside it; records its pid first so the test can clean up the orphan it leaves.
    private const string BlockingScript = """
        #!/bin/sh
        d=$(dirname "$0")
        echo $$ >> "$d/pids"
        echo "waiting for $d/go"
        while [ ! -f "$d/go" ]; do sleep 0.1; done
        echo "found $d/go"
        """;

    [Fact]
    public async Task AKilledWorkersJob_IsRetriedOnceByAnother_OneSuccessIsRecorded_AndTheDeadAttemptsCompletionIsRefused()
    {
        // Two job directories with the same script: the first worker's never gets "go" (its attempt blocks until the
        // worker dies), the second worker's has it from the start (its attempt finds it and exits 0).
        var blocked = Directory.CreateTempSubdirectory("cairn-kill-a-");
        var free = Directory.CreateTempSubdirectory("cairn-kill-b-");
        var queue = "kill-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new CairnClient(fixture.TcpEndpoint);
        ChildCairn? first = null;
        ChildCairn? second = null;
        try
        {
            // The scripts run as nobody (the workers run as root) and record their pids beside themselves.
            JobCommandTests.OpenToScripts(blocked.FullName, writable: true);
            JobCommandTests.OpenToScripts(free.FullName, writable: true);
            JobCommandTests.WriteScript(blocked.FullName, "block.sh", BlockingScript);
            JobCommandTests.WriteScript(free.FullName, "block.sh", BlockingScript);
            await File.WriteAllTextAsync(Path.Combine(free.FullName, "go"), "");

            first = ChildCairn.Start("worker", "--queues", queue, "--scripts", blocked.FullName, "--concurrency", "1", "--endpoint", fixture.TcpEndpoint);
            var job = (await client.EnqueueJobAsync(new EnqueueJobDto { Type = "script:block.sh", Queue = queue, MaxAttempts = 3 })).Job;

            // Processing, and the script is running (its log says so): the worker is mid-job.
            JobDto? running = null;
            await Eventually.UntilAsync(
                async () => (running = await client.GetJobAsync(job.Id))!.State == JobStates.Processing
                    && (await client.ReadJobLogAsync(job.Id, 1)).Contains("waiting for", StringComparison.Ordinal),
                Deadline,
                $"the first worker runs the job (worker: {first.Error})");
            var lostAttempt = Assert.Single(running!.Attempts);
            Assert.True(lostAttempt.Token > 0);

            TestProcesses.KillNow(first.Process.Id);
            using (var exited = new CancellationTokenSource(Deadline))
            {
                await first.Process.WaitForExitAsync(exited.Token);
            }


            second = ChildCairn.Start("worker", "--queues", queue, "--scripts", free.FullName, "--concurrency", "1", "--endpoint", fixture.UnixEndpoint);
            JobDto? done = null;
            await Eventually.UntilAsync(
                async () => JobStates.IsFinal((done = await client.GetJobAsync(job.Id))!.State),
                Deadline,
                $"the claim expires and the second worker runs the job (worker: {second.Error})");

            // The dead attempt's completion, arriving late: refused (409), and nothing changes.
            var late = await Assert.ThrowsAsync<ConflictException>(() => client.CompleteJobAsync(job.Id, new JobCompletionDto
            {
                Token = lostAttempt.Token,
                Outcome = JobOutcomes.Succeeded,
                Result = System.Text.Json.JsonDocument.Parse("""{"from":"the dead"}""").RootElement.Clone(),
            }));
            var lateHeartbeat = await client.HeartbeatJobAsync(job.Id, lostAttempt.Token);
            var after = await client.GetJobAsync(job.Id);
            var log = await client.ReadJobLogAsync(job.Id, 2);

            Assert.Equal(JobStates.Succeeded, done!.State);
            Assert.Equal([JobOutcomes.Lost, JobOutcomes.Succeeded], done.Attempts.Select(a => a.Outcome));
            Assert.Single(done.Attempts, a => a.Outcome == JobOutcomes.Succeeded);
            Assert.NotEqual(done.Attempts[0].Worker, done.Attempts[1].Worker);
            Assert.NotEqual(lostAttempt.Token, done.Attempts[1].Token);
            Assert.Contains("found", log, StringComparison.Ordinal);
            Assert.NotEmpty(late.Message);
            Assert.False(lateHeartbeat);
            Assert.Equal(done.Revision, after!.Revision);
            Assert.Equal(2, after.Attempts.Count);
            Assert.False(after.Result is { ValueKind: System.Text.Json.JsonValueKind.Object } result && result.TryGetProperty("from", out _));

            // The surviving worker stops gracefully on SIGTERM: exit 0.
            await Terminate(second.Process);
            Assert.True(second.Process.ExitCode == 0, $"cairn worker exited {second.Process.ExitCode} on SIGTERM: {second.Error}");
            Assert.Contains("stopped", second.Error, StringComparison.Ordinal);
        }
        finally
        {
            first?.Dispose();
            second?.Dispose();

            // The killed worker's script outlives it (its own process group): end it by its pid.
            foreach (var pid in ReadPids(blocked.FullName))
            {
                TestProcesses.KillNow(-pid); // its process group, its `sleep` included
                TestProcesses.KillNow(pid);
            }

            blocked.Delete(recursive: true);
            free.Delete(recursive: true);
        }
    }

    private static IEnumerable<int> ReadPids(string directory)
    {
        var file = Path.Combine(directory, "pids");
        return File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList()
            : [];
    }

    private static async Task Terminate(Process process)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) } })!)
        {
            await kill.WaitForExitAsync();
        }

        using (var exited = new CancellationTokenSource(Deadline))
        {
            await process.WaitForExitAsync(exited.Token);
        }

        process.WaitForExit(); // drains the redirected output
    }
}

using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>
/// The benchmark is not part of the test run, but its harness must not rot: `bench/run.sh --quick` against Cairn
/// alone (a real `cairn serve`, real load over TCP, the Unix socket and etcd's gRPC API) must finish and print its ratio
/// table.
/// </summary>
public sealed class BenchHarnessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-bench-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task QuickRunAgainstCairnAloneWritesItsReport()
    {
        var root = VolumeServerFixture.RepoRoot;
        // The same configuration this test was built in: run.sh uses those binaries instead of building again.
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var doc = Path.Combine(_dir, "quick.md");
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        // The script's scratch dir (and so its server's data dir and socket) goes under this test's directory.
        info.Environment["TMPDIR"] = _dir;
        foreach (var arg in new[] { Path.Combine(root, "bench", "run.sh"), "--quick", "--targets", "cairn", "--no-build", "--configuration", configuration, "--doc", doc, "--results-dir", _dir })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bench/run.sh --quick did not finish within 3 minutes:\n{await stdout}\n{await stderr}");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"bench/run.sh --quick exited with {process.ExitCode}:\n{output}");
        // The ratio table and the target check are printed, and the report is written where asked.
        Assert.Contains("## Cairn, etcd and ZooKeeper side by side", output, StringComparison.Ordinal);
        Assert.Contains("## Targets", output, StringComparison.Ordinal);
        var report = await File.ReadAllTextAsync(doc);
        Assert.Contains("| put | 64 | cairn | unix |", report, StringComparison.Ordinal);
        Assert.Contains("| get | 64 | cairn | tcp |", report, StringComparison.Ordinal);
        Assert.Contains("| watch | 1 | cairn | unix |", report, StringComparison.Ordinal);
        // Cairn's etcd gRPC API, driven by etcd's own driver, has its cells and its column, and every side-by-side row
        // carries the servers' CPU per operation.
        Assert.Contains("| put | 64 | cairn | grpc-unix |", report, StringComparison.Ordinal);
        Assert.Contains("| watch | 1 | cairn | grpc-unix |", report, StringComparison.Ordinal);
        Assert.Contains("Cairn grpc ops/s", output, StringComparison.Ordinal);
        Assert.Matches(@"\| put \| 64 \| [\d,]+ \| [\d,]+ \| [\d,]+ \(grpc-unix\) \|.*\| \d+(\.\d)? / – / – / – / – \|", report);
        Assert.Contains("server CPU per durable put ≤ 25 µs", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir, "*.jsonl"));
        // Nothing is left running: the server the script started is gone.
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains(_dir, StringComparison.Ordinal));
    }

    private static string SafeCommandLine(Process p)
    {
        try
        {
            return File.ReadAllText($"/proc/{p.Id}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}

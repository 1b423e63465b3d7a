namespace Cairn.Cli.Tests.Security;

/// <summary><c>cairn worker</c> takes the global credentials like every client command: with auth on, a worker logged in
/// as a user allowed <c>jobs:work</c> claims and runs jobs, and <c>job run --wait</c> follows them with a token file.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WorkerAuthTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly ServerFixture _server = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-workerauth-" + Guid.NewGuid().ToString("N")[..12]);
    private AuthCli _cli = null!;

    private string ScriptsDir => Path.Combine(_directory, "server-jobs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScriptsDir);
        _server.Settings["Auth:BcryptCost"] = "4";
        _server.Settings["Jobs:Directory"] = ScriptsDir;
        _server.Settings["Jobs:Workers"] = "0";
        await _server.InitializeAsync();
        _cli = new AuthCli(_server.TcpEndpoint, _directory);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static void Ok(CliRun run) => Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error} {run.Out}");

    [Fact]
    public async Task AWorkerWithAUserAllowedToWork_RunsAJob_OnAServerWithAuthOn()
    {
        var scripts = Path.Combine(_directory, "worker-jobs");
        Directory.CreateDirectory(scripts);
        // The worker runs scripts as nobody (the tests run as root, maybe under umask 077): nobody must reach them.
        JobCommandTests.OpenToScripts(_directory, writable: false);
        JobCommandTests.OpenToScripts(scripts, writable: false);
        JobCommandTests.WriteScript(scripts, "hello.sh", "#!/bin/sh\necho \"hello from $(cat)\"\n");
        JobCommandTests.WriteScript(ScriptsDir, "hello.sh", "#!/bin/sh\nexit 1\n"); // what the server checks; never run
        Ok(await _cli.RunAsync("user", "add", "root", "--password", "root-pw"));
        Ok(await _cli.RunAsync("user", "grant-role", "root", "root"));
        Ok(await _cli.RunAsync("auth", "enable"));
        Ok(await _cli.RunWithStdinAsync("root-pw\n", "login", "root"));
        Ok(await _cli.RunAsync("role", "add", "worker"));
        Ok(await _cli.RunAsync("role", "grant", "worker", "jobs", "read,work", "", "--prefix"));
        Ok(await _cli.RunAsync("user", "add", "w1", "--password", "w1-pw"));
        Ok(await _cli.RunAsync("user", "grant-role", "w1", "worker"));

        using var stop = new CancellationTokenSource();
        var worker = new AuthCli(_server.TcpEndpoint, _directory).WithVariable("CAIRN_TOKEN_FILE", Path.Combine(_directory, "none"));
        var (exit, error) = worker.Start(["worker", "--queues", "secure", "--scripts", scripts, "--concurrency", "1", "--user", "w1:w1-pw"], stop.Token);
        CliRun run;
        try
        {
            run = await _cli.RunAsync("job", "run", "script:hello.sh", "--queue", "secure", "--args", """{"who":"w1"}""", "--wait");
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.True(run.ExitCode == 0, $"job run: {run.Error} {run.Out}; worker: {error()}");
        Assert.Contains("hello from {\"who\":\"w1\"}", run.Out, StringComparison.Ordinal);
        Assert.Equal(0, await exit.WaitAsync(Deadline));
        Assert.DoesNotContain("unauthenticated", error(), StringComparison.OrdinalIgnoreCase);
    }
}

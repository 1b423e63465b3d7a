using System.Globalization;
using Cairn.Jobs;
using Cairn.Processes;
using static Cairn.Jobs.Tests.ScriptJobsTests;

namespace Cairn.Jobs.Tests;

/// <summary>
/// Scripts in a sandbox (<see cref="ProcessSandbox"/>), as the server and <c>cairn worker</c> run them when they are
/// root: as <c>nobody</c>, with no supplementary groups and a clean environment, within memory, CPU and open-file
/// limits; a directory of the server's (0700, as its data directory) stays closed to them, and what they leave in their
/// output is read only if it is a regular file. The tests run as root (./test.sh does), as switching users needs.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScriptJobsSandboxTests : IDisposable
{
    private const string Nobody = "nobody";
    private const string Secret = "the-server-secret-7f3a";

    private readonly string _root = Directory.CreateTempSubdirectory("cairn-sandbox-").FullName;

    public ScriptJobsSandboxTests()
    {
        Assert.True(Environment.IsPrivilegedProcess, "These tests run scripts as user nobody, which needs root; ./test.sh runs as root.");

        // The jobs directory must be one the scripts' user can enter; the "data directory" is the server's alone.
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Jobs);
        File.SetUnixFileMode(Jobs, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(DataDir);
        File.SetUnixFileMode(DataDir, (UnixFileMode)0b111_000_000);
        File.WriteAllText(SecretFile, Secret);
        File.SetUnixFileMode(SecretFile, (UnixFileMode)0b110_100_100);
    }

    private string Jobs => Path.Combine(_root, "jobs");

    private string DataDir => Path.Combine(_root, "data");

    private string SecretFile => Path.Combine(DataDir, "secret.txt");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static uint NobodyUid()
    {
        var sandbox = ProcessSandbox.Create(new ProcessLimits { RunAs = Nobody }, "Jobs");
        return sandbox.UserId!.Value;
    }

    private ScriptJobs Runner(ProcessLimits? limits = null) => new(new ScriptJobOptions
    {
        Directory = Jobs,
        WorkDirectory = Path.Combine(_root, "work"),
        Sandbox = ProcessSandbox.Create(limits ?? new ProcessLimits(), "Jobs"),
        PulzarDataPath = (_, _) => Task.FromResult<string?>(null),
    });

    [Fact]
    public async Task AScript_RunsAsNobody_WithNoOtherGroups_InACleanEnvironment()
    {
        Environment.SetEnvironmentVariable("CAIRN_SANDBOX_TEST_SECRET", Secret);
        Script("who.sh", """
            echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
            echo "home=$HOME pwd=$(pwd)"
            echo "path=$PATH user=$USER greeting=$GREETING"
            env
            """);
        var run = new FakeRun("script:who.sh");

        await Runner(new ProcessLimits { Environment = new Dictionary<string, string> { ["GREETING"] = "hi" } }).ExecuteAsync(run.Context, CancellationToken.None);

        var nobody = NobodyUid().ToString(CultureInfo.InvariantCulture);
        Assert.Contains($"uid={nobody} ", run.Log);
        Assert.Matches(@"groups=\d+\n", run.Log);
        Assert.Matches(@"home=(\S+) pwd=\1\n", run.Log);
        Assert.Contains($"path={ProcessSandbox.DefaultPath} user={Nobody} greeting=hi", run.Log);
        Assert.DoesNotContain(Secret, run.Log);
        Assert.Contains("CAIRN_JOB_ID=1", run.Log);
    }

    [Fact]
    public async Task AScript_ThatAllocatesPastMaxMemoryBytes_Fails_WithTheReason()
    {
        Script("hog.sh", "exec python3 -c 'x = bytearray(2 * 1024 ** 3); print(\"allocated\")'");
        var run = new FakeRun("script:hog.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner().ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Contains("MemoryError", error.Message);
        Assert.DoesNotContain("allocated", run.Log);
    }

    [Fact]
    public async Task AScript_ThatSpinsPastMaxCpuSeconds_IsStopped_WithTheReason()
    {
        Script("spin.sh", "while :; do :; done");
        var run = new FakeRun("script:spin.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner(new ProcessLimits { MaxCpuSeconds = 1 }).ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Contains("exit code 152", error.Message);
        Assert.Contains("CPU time", error.Message);
    }

    [Fact]
    public async Task AScript_ThatOpensMoreThanMaxOpenFiles_Fails()
    {
        Script("files.sh", "exec python3 -c 'fs = [open(\"/dev/null\") for _ in range(100)]; print(\"opened\", len(fs))'");
        var run = new FakeRun("script:files.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner(new ProcessLimits { MaxOpenFiles = 32 }).ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Contains("Too many open files", error.Message);
    }

    [Fact]
    public async Task AScript_CannotReadTheServersPrivateDirectory()
    {
        Script("read.sh", $"cat '{SecretFile}'\nls '{DataDir}'\n");
        var run = new FakeRun("script:read.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner().ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Contains("Permission denied", error.Message);
        Assert.Contains("Permission denied", run.Log);
        Assert.DoesNotContain(Secret, run.Log);
    }

    [Fact]
    public async Task AScript_ThatLeavesALinkToTheServersFileInItsOutput_Fails_AndNothingIsStored()
    {
        Script("link.sh", $"ln -s '{SecretFile}' \"$CAIRN_JOB_OUTPUT/leak.txt\"\nln -s '{SecretFile}' \"$CAIRN_JOB_OUTPUT/result.json\"\n");
        var run = new FakeRun("script:link.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner().ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Contains("not a regular file", error.Message);
        Assert.Empty(run.Files);
        Assert.DoesNotContain(Secret, error.Message);
    }

    [Fact]
    public async Task AScript_ThatLeavesAFifoInItsOutput_Fails_RatherThanBlockingTheServer()
    {
        Script("fifo.sh", "mkfifo \"$CAIRN_JOB_OUTPUT/pipe\"\n");
        var run = new FakeRun("script:fifo.sh");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Runner().ExecuteAsync(run.Context, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("not a regular file", error.Message);
    }

    [Fact]
    public async Task AScript_WritesItsScratchAndOutput_AndItsResultAndFilesComeBack()
    {
        Script("out.sh", """
            echo scratch > scratch.txt
            cat scratch.txt
            printf '{"uid": %s}' "$(id -u)" > "$CAIRN_JOB_OUTPUT/result.json"
            printf 'report' > "$CAIRN_JOB_OUTPUT/report.txt"
            """);
        var run = new FakeRun("script:out.sh");

        var result = await Runner().ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Equal(NobodyUid(), result!.Value.GetProperty("uid").GetUInt32());
        Assert.Equal("report", run.Files["report.txt"]);
        Assert.Contains("scratch", run.Log);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_root, "work", "attempts")));
    }

    [Fact]
    public async Task APulzarJob_RunsThroughTheShim_AsNobody()
    {
        Directory.CreateDirectory(Path.Combine(Jobs, "example"));
        File.SetUnixFileMode(Path.Combine(Jobs, "example"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(Jobs, "example", "who.py"), """
            import os
            from pulzarcore.core_jobs import CoreJobs


            def execute(params):
                print('uid=' + str(os.getuid()))
                return True
            """);
        File.SetUnixFileMode(Path.Combine(Jobs, "example", "who.py"), (UnixFileMode)0b110_100_100);
        var run = new FakeRun("pulzar:example/who", """{"a": 1}""");

        await Runner().ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Contains($"uid={NobodyUid()}", run.Log);
    }

    [Fact]
    public async Task CancellingASandboxedScript_KillsItAndItsChildren()
    {
        var pids = Path.Combine(_root, "pids");
        Directory.CreateDirectory(pids);
        File.SetUnixFileMode(pids, (UnixFileMode)0b111_111_111);
        Script("tree.sh", $"sleep 600 &\necho \"$$ $!\" > '{pids}/tree.tmp'\nmv '{pids}/tree.tmp' '{pids}/tree'\nwait\n");
        var run = new FakeRun("script:tree.sh");
        using var stop = new CancellationTokenSource();

        var running = Runner().ExecuteAsync(run.Context, stop.Token);
        var file = Path.Combine(pids, "tree");
        await Eventually.UntilAsync(() => File.Exists(file), TimeSpan.FromSeconds(60), "the script started its child");
        var both = File.ReadAllText(file).Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Eventually.UntilAsync(() => !Alive(both[0]) && !Alive(both[1]), TimeSpan.FromSeconds(30), "the script and its child are gone");
    }

    private void Script(string relative, string body)
    {
        var path = Path.Combine(Jobs, relative);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}

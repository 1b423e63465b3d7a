using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli.Tests.Coordination;

/// <summary><c>cairn lock acquire</c> and <c>cairn elect</c> as real processes running a command under a lock or a
/// leadership.</summary>
public sealed class LockAndElectCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // Appends "start TOKEN" and "end TOKEN" around a pause to the file named by $1.
    private const string Section = """echo "start $CAIRN_LOCK_TOKEN" >> "$1"; sleep 0.3; echo "end $CAIRN_LOCK_TOKEN" >> "$1" """;

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    // The endpoint goes first: after a "--" it would be part of the COMMAND.
    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.TcpEndpoint, .. args]);

    [Fact]
    public async Task LockAcquire_RunsTheCommand_WithTheFencingTokenInItsEnvironment_AndReleasesAfter()
    {
        var name = Unique("lock");

        var output = await ChildCairn.RunAsync(Deadline, "lock", "acquire", name, "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "echo $CAIRN_LOCK_TOKEN $CAIRN_LOCK_NAME $CAIRN_LOCK_KEY");
        var show = await Cairn("lock", "show", name);

        var words = output.Trim().Split(' ');
        Assert.Equal(3, words.Length);
        Assert.True(long.Parse(words[0], CultureInfo.InvariantCulture) > 0, output);
        Assert.Equal(name, words[1]);
        Assert.StartsWith($"/cairn/locks/{name}/", words[2], StringComparison.Ordinal);
        Assert.Equal($"lock {name} is free\n", show.Out);
    }

    [Fact]
    public async Task LockAcquire_ExitsWithTheCommandsExitCode()
    {
        using var child = ChildCairn.Start("lock", "acquire", Unique("lock"), "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "exit 7");
        using var exited = new CancellationTokenSource(Deadline);
        await child.Process.WaitForExitAsync(exited.Token);

        Assert.True(child.Process.ExitCode == 7, $"exit {child.Process.ExitCode}: {child.Error}");
    }

    [Fact]
    public async Task ConcurrentAcquiresOfOneLock_NeverOverlap()
    {
        var name = Unique("lock");
        var dir = Directory.CreateTempSubdirectory("cairn-lock-");
        var file = Path.Combine(dir.FullName, "sections");
        var children = Enumerable.Range(0, 3)
            .Select(_ => ChildCairn.Start("lock", "acquire", name, "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", Section, "sh", file))
            .ToList();
        try
        {
            foreach (var child in children)
            {
                using var exited = new CancellationTokenSource(Deadline);
                await child.Process.WaitForExitAsync(exited.Token);
                child.Process.WaitForExit();
                Assert.True(child.Process.ExitCode == 0, $"exit {child.Process.ExitCode}: {child.Error}");
            }

            var lines = await File.ReadAllLinesAsync(file);
            Assert.Equal(6, lines.Length);
            for (var i = 0; i < lines.Length; i += 2)
            {
                // Each section's start is followed by its own end: no other holder began in between.
                var token = lines[i]["start ".Length..];
                Assert.Equal("start " + token, lines[i]);
                Assert.Equal("end " + token, lines[i + 1]);
            }

            var tokens = lines.Where((_, i) => i % 2 == 0).Select(l => long.Parse(l["start ".Length..], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(tokens.Order(), tokens);
            Assert.Equal(3, tokens.Distinct().Count());
        }
        finally
        {
            children.ForEach(c => c.Dispose());
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LockAcquire_WhoseSessionIsRevoked_KillsTheCommand_AndExitsWithTheLostCode()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("lock");
        var dir = Directory.CreateTempSubdirectory("cairn-lost-");
        var pidFile = Path.Combine(dir.FullName, "pid");
        using var child = ChildCairn.Start("lock", "acquire", name, "--ttl", "30s", "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "echo $$ > \"$1\"; exec sleep 120", "sh", pidFile);
        try
        {
            await Eventually.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n') || child.Process.HasExited, Deadline, $"the command runs (stderr: {child.Error})");
            var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            var holder = Assert.Single((await client.GetLockAsync(name)).Queue);

            await client.RevokeLeaseAsync(holder.Lease);
            using var exited = new CancellationTokenSource(Deadline);
            await child.Process.WaitForExitAsync(exited.Token);
            child.Process.WaitForExit();

            Assert.Equal(75, child.Process.ExitCode);
            var line = Assert.Single(child.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"cairn: lost lock {name} (token {holder.Token}) while the command ran: its session ended; the command was killed", line);
            await Eventually.UntilAsync(() => !IsRunning(pid), Deadline, "the command's process is gone");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LockAcquire_WhenCairnIsTerminated_StopsTheCommand_AndReleasesTheLockAtOnce()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("lock");
        var dir = Directory.CreateTempSubdirectory("cairn-term-");
        var said = Path.Combine(dir.FullName, "said");
        const string Script = """trap 'echo stopped > "$1"; exit 0' TERM; echo running > "$1"; while true; do sleep 0.1; done""";
        using var child = ChildCairn.Start("lock", "acquire", name, "--ttl", "60s", "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", Script, "sh", said);
        try
        {
            await Eventually.UntilAsync(() => File.Exists(said) && File.ReadAllText(said) == "running\n" || child.Process.HasExited, Deadline, $"the command runs (stderr: {child.Error})");

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", child.Process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exited = new CancellationTokenSource(Deadline);
            await child.Process.WaitForExitAsync(exited.Token);
            child.Process.WaitForExit();

            Assert.True(child.Process.ExitCode == 130, $"exit {child.Process.ExitCode}: {child.Error}");
            Assert.Equal("stopped\n", await File.ReadAllTextAsync(said));
            Assert.Empty((await client.GetLockAsync(name)).Queue); // released, not left to its 60 s TTL
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LockAcquire_WithoutACommand_OrWithABadMode_OrAWaitThatRunsOut_FailsWithOneLine()
    {
        var name = Unique("lock");
        using var client = new CairnClient(fixture.TcpEndpoint);
        await using var held = await client.AcquireLockAsync(name);

        var noCommand = await Cairn("lock", "acquire", name);
        var badMode = await Cairn("lock", "acquire", name, "--mode", "sideways", "--", "true");
        var missing = await Cairn("lock", "acquire", name, "--", "no-such-program-anywhere");
        var timedOut = await Cairn("lock", "acquire", name, "--wait", "0.3s", "--", "true");

        Assert.Contains("--", noCommand.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Contains("--mode", badMode.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Contains("no-such-program-anywhere", missing.AssertOneLineError(), StringComparison.Ordinal);
        var timedOutLine = timedOut.AssertOneLineError();
        Assert.True(timedOutLine.Contains("not granted", StringComparison.Ordinal), timedOutLine);
    }

    [Fact]
    public async Task Elect_RunsTheCommandWhileLeading_TheNextLeadsWhenItEnds_AndShowAndObserveSayWho()
    {
        var name = Unique("elect");
        var dir = Directory.CreateTempSubdirectory("cairn-elect-");
        var go = Path.Combine(dir.FullName, "go");

        // The first leader runs until the file "go" exists; the second campaigns behind it.
        var wait = """echo "leading $CAIRN_LEADER_TOKEN"; while [ ! -f "$1" ]; do sleep 0.1; done""";
        using var first = ChildCairn.Start("elect", name, "--value", "first", "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", wait, "sh", go);
        using var observer = ChildCairn.Start("elect", "observe", name, "--endpoint", fixture.TcpEndpoint);
        ChildCairn? second = null;
        try
        {
            await Eventually.UntilAsync(() => first.Out.StartsWith("leading ", StringComparison.Ordinal) || first.Process.HasExited, Deadline, $"the first leads (stderr: {first.Error})");
            second = ChildCairn.Start("elect", name, "--value", "second", "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "echo \"leading $CAIRN_LEADER_TOKEN\"");
            var show = await Cairn("elect", "show", name, "--json");
            var leader = JsonSerializer.Deserialize<LeaderDto>(show.Out, WireJson.Options)!;
            Assert.Equal("first", leader.Value);
            Assert.Equal(first.Out.Trim(), "leading " + leader.Token.ToString(CultureInfo.InvariantCulture));
            Assert.False(second.Process.HasExited);

            await File.WriteAllTextAsync(go, "");
            using var exited = new CancellationTokenSource(Deadline);
            await first.Process.WaitForExitAsync(exited.Token);
            await second.Process.WaitForExitAsync(exited.Token);
            second.Process.WaitForExit();
            await Eventually.UntilAsync(() => observer.Out.Contains("second", StringComparison.Ordinal), Deadline, $"the observer sees the second leader (out: {observer.Out})");

            Assert.Equal(0, first.Process.ExitCode);
            Assert.True(second.Process.ExitCode == 0, second.Error);
            var secondToken = long.Parse(second.Out.Trim()["leading ".Length..], CultureInfo.InvariantCulture);
            Assert.True(secondToken > leader.Token);
            var observed = observer.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("first  token ", observed[0], StringComparison.Ordinal);
            Assert.Contains(observed, l => l.StartsWith($"second  token {secondToken.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal));
            Assert.Contains("Nobody leads", (await Cairn("elect", "show", name)).AssertOneLineError(), StringComparison.Ordinal);
        }
        finally
        {
            second?.Dispose();
            dir.Delete(recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        // A zombie (exited, not yet reaped) counts as gone: it runs nothing.
        var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].FirstOrDefault() is not 'Z' and not 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }
}

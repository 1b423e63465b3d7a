using System.Diagnostics;
using Cairn.Processes;

namespace Cairn.Jobs.Tests;

/// <summary>
/// The sandbox's settings are checked when it is made (a bad one names its setting), and the command it builds: setsid,
/// prlimit with every limit as soft and hard limit, setpriv to the user with no groups and no_new_privs, then the program
/// as given; and a clean environment. The tests run as root, as ./test.sh does.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessSandboxTests
{
    [Theory]
    [InlineData("root", "Jobs:RunAs", "root")]
    [InlineData("0", "Jobs:RunAs", "root")]
    [InlineData("no-such-user-cairn", "Jobs:RunAs", "does not exist")]
    public void ABadRunAs_IsRefused_NamingTheSetting(string runAs, string setting, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(new ProcessLimits { RunAs = runAs }, "Jobs"));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeLimits_AndBadVariableNames_AreRefused_NamingTheSetting()
    {
        Assert.Contains("Extensions:MaxMemoryBytes", Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(new ProcessLimits { MaxMemoryBytes = -1 }, "Extensions")).Message);
        Assert.Contains("Extensions:MaxOpenFiles", Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(new ProcessLimits { MaxOpenFiles = -1 }, "Extensions")).Message);
        Assert.Contains("Extensions:MaxCpuSeconds", Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(new ProcessLimits { MaxCpuSeconds = -5 }, "Extensions")).Message);
        Assert.Contains("Extensions:MaxProcesses", Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(new ProcessLimits { MaxProcesses = -1 }, "Extensions")).Message);
        Assert.Contains("Extensions:Environment", Assert.Throws<ArgumentException>(() => ProcessSandbox.Create(
            new ProcessLimits { Environment = new Dictionary<string, string> { ["A=B"] = "x" } }, "Extensions")).Message);
    }

    [Fact]
    public void ARootServer_RunsProgramsAsNobody_ByDefault_AndByNumber()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test checks what a root server does; ./test.sh runs as root.");

        var byDefault = ProcessSandbox.Create(new ProcessLimits(), "Jobs");
        var byNumber = ProcessSandbox.Create(new ProcessLimits { RunAs = byDefault.UserId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "Jobs");

        Assert.Equal("nobody", byDefault.UserName);
        Assert.True(byDefault.SwitchesUser);
        Assert.NotEqual(0u, byDefault.UserId);
        Assert.Equal("nobody", byNumber.UserName);
    }

    [Fact]
    public void TheCommand_IsSetsidPrlimitSetprivAndTheProgram_WithACleanEnvironment()
    {
        Environment.SetEnvironmentVariable("CAIRN_SANDBOX_COMMAND_TEST", "secret");
        var sandbox = ProcessSandbox.Create(
            new ProcessLimits { MaxMemoryBytes = 1 << 28, MaxOpenFiles = 64, MaxProcesses = 50, Environment = new Dictionary<string, string> { ["EXTRA"] = "1" } },
            "Jobs");
        var start = new ProcessStartInfo();

        sandbox.Prepare(start, "prog", ["a b", "--c"], new ProcessRun { NewSession = true, Home = "/work", Timeout = TimeSpan.FromSeconds(10) });

        var argv = new[] { start.FileName }.Concat(start.ArgumentList).ToList();
        var cpu = 10 * Environment.ProcessorCount;
        Assert.Equal(
            [
                "/usr/bin/setsid", "/usr/bin/prlimit", "--core=0:0", "--as=268435456:268435456", "--nofile=64:64", "--nproc=50:50", $"--cpu={cpu}:{cpu + 1}", "--",
                "/usr/bin/setpriv", $"--reuid={sandbox.UserId}", $"--regid={sandbox.GroupId}", "--clear-groups", "--no-new-privs", "--",
                "prog", "a b", "--c",
            ],
            argv);
        Assert.Equal("/work", start.Environment["HOME"]);
        Assert.Equal(ProcessSandbox.DefaultPath, start.Environment["PATH"]);
        Assert.Equal("nobody", start.Environment["USER"]);
        Assert.Equal("1", start.Environment["EXTRA"]);
        Assert.False(start.Environment.ContainsKey("CAIRN_SANDBOX_COMMAND_TEST"));
    }

    [Fact]
    public void NoSandbox_RunsTheProgramAsItIs_WithTheCallersEnvironment()
    {
        Environment.SetEnvironmentVariable("CAIRN_SANDBOX_NONE_TEST", "kept");
        var start = new ProcessStartInfo();

        ProcessSandbox.None.Prepare(start, "prog", ["x"], new ProcessRun());

        Assert.Equal("prog", start.FileName);
        Assert.Equal(["x"], start.ArgumentList);
        Assert.Equal("kept", start.Environment["CAIRN_SANDBOX_NONE_TEST"]);
    }
}

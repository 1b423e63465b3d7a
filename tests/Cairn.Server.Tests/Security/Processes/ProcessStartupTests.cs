namespace Cairn.Server.Tests.Security.Processes;

/// <summary>A setting of the programs' sandbox that cannot work stops the server at start with a message naming it:
/// root as the programs' user, a user that does not exist, a negative limit, a jobs work directory the jobs' user could
/// not reach or that another user controls.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessStartupTests
{
    private static async Task<StartupException> StartFailsAsync(string data, params (string Setting, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["DataDir"] = data,
            ["Listen:0"] = "http://127.0.0.1:0",
        };
        foreach (var (setting, value) in settings)
        {
            all[setting] = value;
        }

        return await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], all));
    }

    [Theory]
    [InlineData("Extensions:RunAs", "root", "Extensions:RunAs", "root")]
    [InlineData("Jobs:RunAs", "0", "Jobs:RunAs", "root")]
    [InlineData("Jobs:RunAs", "no-such-user-cairn", "Jobs:RunAs", "does not exist")]
    [InlineData("Extensions:MaxMemoryBytes", "-1", "Extensions:MaxMemoryBytes", "-1")]
    [InlineData("Jobs:MaxOpenFiles", "-2", "Jobs:MaxOpenFiles", "-2")]
    [InlineData("Jobs:MaxCpuSeconds", "-3", "Jobs:MaxCpuSeconds", "-3")]
    [InlineData("Extensions:MaxProcesses", "lots", "Extensions", "lots")]
    public async Task ABadProcessSetting_IsAStartupErrorNamingIt(string setting, string value, string named, string reason)
    {
        var data = Directory.CreateTempSubdirectory("cairn-process-startup-");
        try
        {
            var error = await StartFailsAsync(data.FullName, (setting, value));

            Assert.Contains(named, error.Message, StringComparison.Ordinal);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AJobsWorkDirectoryInsideTheDataDirectory_IsRefused_WhenJobsRunAsAnotherUser()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test checks what a root server does; ./test.sh runs as root.");
        var data = Directory.CreateTempSubdirectory("cairn-process-startup-");
        try
        {
            var error = await StartFailsAsync(data.FullName, ("Jobs:WorkDirectory", Path.Combine(data.FullName, "work")));

            Assert.Contains("Jobs:WorkDirectory", error.Message, StringComparison.Ordinal);
            Assert.Contains("inside the data directory", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AJobsWorkDirectoryOfAnotherUser_IsRefused()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test checks what a root server does; ./test.sh runs as root.");
        var data = Directory.CreateTempSubdirectory("cairn-process-startup-");
        var theirs = Directory.CreateTempSubdirectory("cairn-process-theirs-");
        try
        {
            // Made by another user (nobody) beforehand, e.g. in /tmp: root must not change owners of files in it.
            var chown = await OtherUserChownAsync(theirs.FullName);
            Assert.True(chown == 0, $"chown nobody {theirs.FullName} exited {chown}");

            var error = await StartFailsAsync(data.FullName, ("Jobs:WorkDirectory", theirs.FullName));

            Assert.Contains("Jobs:WorkDirectory", error.Message, StringComparison.Ordinal);
            Assert.Contains("not to the server's user", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
            theirs.Delete(recursive: true);
        }
    }

    private static async Task<int> OtherUserChownAsync(string path)
    {
        using var process = System.Diagnostics.Process.Start("chown", ["nobody", path]);
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

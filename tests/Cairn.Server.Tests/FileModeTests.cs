using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>The data directory and what Cairn writes in it are its own: another local account reads nothing.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task TheDataDirectory_Is0700_AndEveryFileInIt_IsNotReadableByOthers()
    {
        using var http = fixture.TcpHttp();
        (await http.PutAsync("/v1/kv/modes/secret", new StringContent("s3cret"))).EnsureSuccessStatusCode();
        (await http.PutAsync("/v1/blobs/modes/blob", new ByteArrayContent(new byte[64 * 1024]))).EnsureSuccessStatusCode();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(fixture.DataDir));
        foreach (var path in Directory.EnumerateFileSystemEntries(fixture.DataDir, "*", SearchOption.AllDirectories))
        {
            Assert.True((File.GetUnixFileMode(path) & GroupOrOther) == 0, $"{path} is {File.GetUnixFileMode(path)}");
        }
    }

    [Fact]
    public async Task AnotherUser_CannotReadTheStore_EvenWhereItCanReachTheDirectory()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test runs a command as user nobody and needs root (./test.sh runs as root).");

        // Under a directory anyone may enter (the test run's own temp directory is private already).
        var open = Path.Combine("/tmp", "cairn-modes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(open, File.GetUnixFileMode(open) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var dataDir = Path.Combine(open, "data");
        Directory.CreateDirectory(dataDir); // 0755, as an older Cairn left it
        try
        {
            await using (var server = await CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = dataDir,
                ["Durability"] = "None",
                ["Listen:0"] = "http://127.0.0.1:0",
                ["Logging:LogLevel:Default"] = "Warning",
            }))
            {
                await server.Store.PutAsync(new Cairn.Core.PutRequest("modes/secret", "s3cret"u8.ToArray()));
            }

            var (code, error) = RunAsNobody("cat", Path.Combine(dataDir, "cairn.db"));
            Assert.NotEqual(0, code);
            Assert.Contains("Permission denied", error, StringComparison.Ordinal);
            Assert.Equal(0, RunAsNobody("ls", open).Code); // the parent is open: the data directory's own mode refused
        }
        finally
        {
            Directory.Delete(open, recursive: true);
        }
    }

    [Fact]
    public async Task ADataDirectoryEveryUserShares_IsAStartupError_AndKeepsItsMode()
    {
        // As /tmp: a server started with --data-dir /tmp would otherwise close it (0700) to every other user.
        var shared = Path.Combine(Path.GetTempPath(), "cairn-shared-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(shared);
        const UnixFileMode Tmp = UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(shared, Tmp);
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = shared,
                ["Listen:0"] = "http://127.0.0.1:0",
            }));

            Assert.Contains("every user shares", error.Message, StringComparison.Ordinal);
            Assert.Equal(Tmp, File.GetUnixFileMode(shared));
            Assert.Empty(Directory.EnumerateFileSystemEntries(shared));
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    private static (int Code, string Error) RunAsNobody(params string[] command)
    {
        var info = new ProcessStartInfo("runuser") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-u", "nobody", "--" }.Concat(command))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}

using System.Diagnostics;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>
/// Runs a program as another local user than the server's (<c>nobody</c>, with <c>runuser</c>), as a client of the
/// journal is in production: another service's user. The tests run as root (./test.sh does), as runuser needs.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class OtherUser
{
    public const string Name = "nobody";

    /// <summary>Debian's python3, which python3-requests-unixsocket installs the module for (a python3 of pyenv or a
    /// virtual environment first on PATH would not have it).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Fails (never skips) with what to do when this test cannot run a program as another user.</summary>
    public static void Require()
    {
        Assert.True(Environment.IsPrivilegedProcess, $"This test runs clients as user {Name} with runuser, which needs root; ./test.sh runs as root.");
        Assert.True(File.Exists("/usr/sbin/runuser") || File.Exists("/usr/bin/runuser") || File.Exists("/sbin/runuser"), "runuser is missing (Debian's util-linux); ./test.sh runs on Debian, where it is always there.");
    }

    /// <summary>Fails (never skips) unless Debian's python3 can import requests_unixsocket.</summary>
    public static async Task RequirePythonAsync()
    {
        Require();
        Assert.True(File.Exists(Python), $"{Python} is missing; ./test.sh installs it with python3-requests-unixsocket (apt-get install python3-requests-unixsocket).");
        var import = await RunAsync([Python, "-c", "import requests_unixsocket"]);
        Assert.True(import.Exit == 0, $"{Python} cannot import requests_unixsocket as user {Name}; ./test.sh installs it (apt-get install python3-requests-unixsocket).{Environment.NewLine}{import}");
    }

    /// <summary>Runs <paramref name="command"/> as <see cref="Name"/> (in group <paramref name="group"/> when given)
    /// with <paramref name="stdin"/> as its standard input, and waits for it to end.</summary>
    public static async Task<Result> RunAsync(IReadOnlyList<string> command, byte[]? stdin = null, string? group = null)
    {
        var info = new ProcessStartInfo("runuser")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add(Name);
        if (group is not null)
        {
            info.ArgumentList.Add("-g");
            info.ArgumentList.Add(group);
        }

        info.ArgumentList.Add("--");
        foreach (var argument in command)
        {
            info.ArgumentList.Add(argument);
        }

        // Not root's home (0700): what a program reads or caches there, nobody may not.
        info.Environment["HOME"] = "/nonexistent";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} (as {Name}) did not end within 60 s; its output:{Environment.NewLine}{await stdout}{await stderr}");
        }

        return new Result(string.Join(' ', command), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>What a program run as another user did; its text is everything it printed, for a failing assertion.</summary>
    public sealed record Result(string Command, int Exit, string Stdout, string Stderr)
    {
        public override string ToString() =>
            new StringBuilder().Append($"`{Command}` as {Name} exited {Exit}").AppendLine()
                .Append("stdout: ").AppendLine(Stdout).Append("stderr: ").Append(Stderr).ToString();
    }
}

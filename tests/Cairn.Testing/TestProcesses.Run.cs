using System.Diagnostics;

namespace Cairn.Testing;

public static partial class TestProcesses
{
    /// <summary>Runs <paramref name="program"/> (found on PATH) with <paramref name="args"/> to its end, at most
    /// <paramref name="deadline"/> (60 s if not given; then the wait throws), and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, IReadOnlyList<string> args, TimeSpan? deadline = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}

using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>One run of the real <c>cairn serve</c> that is expected to refuse to start: its exit code and its output.</summary>
internal sealed record ServeRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The lines of standard error that are not blank.</summary>
    public IReadOnlyList<string> ErrorLines =>
        [.. StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Runs <c>cairn serve</c> with <paramref name="args"/> and <paramref name="environment"/> in
    /// <paramref name="directory"/> until it exits; a run that has not exited within a minute is killed and fails.</summary>
    public static async Task<ServeRun> RunAsync(string directory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cairn.dll"));
        info.ArgumentList.Add("serve");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"cairn serve did not exit within 60 s; stdout:{Environment.NewLine}{await output}{Environment.NewLine}stderr:{Environment.NewLine}{await error}");
        }

        return new ServeRun(process.ExitCode, await output, await error);
    }

    /// <summary>What it printed, to say why a test failed.</summary>
    public override string ToString() => $"exit {ExitCode}; stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}

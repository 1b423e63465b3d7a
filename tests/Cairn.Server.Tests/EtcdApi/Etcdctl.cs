using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>Debian's etcdctl (3.4, API v3) run against an endpoint, with a deadline.</summary>
internal static partial class Etcdctl
{
    public const string Binary = "/usr/bin/etcdctl";

    /// <summary>The result of one run.</summary>
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>The output, or the error when it failed: what a user reads.</summary>
        public string Text => ExitCode == 0 ? Output : Error.Split('\n').Last(l => l.Length > 0);
    }

    /// <summary>Runs <c>etcdctl --endpoints=ENDPOINT ARGS</c> with <paramref name="stdin"/>, and waits for it to end.</summary>
    public static async Task<Result> RunAsync(string endpoint, string? stdin, params string[] args)
    {
        using var process = Start(endpoint, args);
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Starts <c>etcdctl --endpoints=ENDPOINT ARGS</c> (a watch), for the caller to read and kill.</summary>
    public static Process Start(string endpoint, params string[] args)
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add("--endpoints=" + endpoint);
        info.ArgumentList.Add("--command-timeout=20s");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("etcdctl did not start.");
    }

    /// <summary><paramref name="text"/> with lease ids (hex) and the seconds left of a lease made the same everywhere, for
    /// comparing the output of two servers.</summary>
    public static string Normalize(string text) =>
        Remaining().Replace(LeaseId().Replace(text, "lease ID"), "remaining(N)");

    [GeneratedRegex(@"lease [0-9a-f]+")]
    private static partial Regex LeaseId();

    [GeneratedRegex(@"remaining\(\d+s\)")]
    private static partial Regex Remaining();
}

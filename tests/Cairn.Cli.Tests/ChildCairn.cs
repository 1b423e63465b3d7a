using System.Diagnostics;
using System.Text;

namespace Cairn.Cli.Tests;

/// <summary>The real <c>cairn</c> executable (from this test's bin) in a child process.</summary>
internal sealed class ChildCairn : IDisposable
{
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _error = new();

    private ChildCairn(Process process) => Process = process;

    public Process Process { get; }

    public string Out
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    /// <summary>What it printed on standard error: the reason, when it failed.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static ChildCairn Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cairn.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var child = new ChildCairn(Process.Start(info)!);
        child.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._out)
                {
                    child._out.Append(e.Data).Append('\n');
                }
            }
        };
        child.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._error)
                {
                    child._error.Append(e.Data).Append('\n');
                }
            }
        };
        child.Process.BeginOutputReadLine();
        child.Process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs to the end (within <paramref name="deadline"/>) and returns what it printed; fails on a non-zero exit.</summary>
    public static async Task<string> RunAsync(TimeSpan deadline, params string[] args)
    {
        using var child = Start(args);
        using var timeout = new CancellationTokenSource(deadline);
        await child.Process.WaitForExitAsync(timeout.Token);
        child.Process.WaitForExit(); // drains the redirected output
        Assert.True(child.Process.ExitCode == 0, $"cairn {string.Join(' ', args)} exited {child.Process.ExitCode}: {child.Error}");
        return child.Out;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}

using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>The real <c>cairn serve</c> executable in a child process, listening on a Unix socket.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    private ServerProcess(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The id of the child process (the one <see cref="KillHard"/> kills).</summary>
    public int Pid => _process.Id;

    /// <summary>Starts <c>cairn serve</c> on <paramref name="dataDir"/> and waits until it is healthy.</summary>
    /// <param name="dataDir">The data directory; the Unix socket is made in it.</param>
    /// <param name="deadline">How long it may take to become healthy.</param>
    /// <param name="environment">Extra settings as <c>CAIRN_*</c> environment variables (e.g.
    /// <c>CAIRN_JOURNAL__FOLDAGE</c>).</param>
    /// <param name="openFileLimit">The child's open-file limit (RLIMIT_NOFILE, set with prlimit), or null for this
    /// process's own.</param>
    public static async Task<ServerProcess> StartAsync(string dataDir, TimeSpan deadline, IReadOnlyDictionary<string, string>? environment = null, int? openFileLimit = null)
    {
        var socket = Path.Combine(dataDir, "cairn.sock");
        var info = new ProcessStartInfo(openFileLimit is null ? "dotnet" : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (openFileLimit is { } limit)
        {
            info.ArgumentList.Add($"--nofile={limit}:{limit}");
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cairn.dll"));
        foreach (var arg in new[] { "serve", "--data-dir", dataDir, "--listen", "unix:" + socket })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CAIRN_LOGGING__LOGLEVEL__DEFAULT"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        var server = new ServerProcess(process, socket);
        process.OutputDataReceived += (_, line) => server.Remember(line.Data);
        process.ErrorDataReceived += (_, line) => server.Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = ServerFixture.UnixHttpClient(socket);
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until && !process.HasExited)
            {
            }

            if (process.HasExited || DateTime.UtcNow >= until)
            {
                server.Dispose();
                throw new TimeoutException($"cairn serve did not become healthy within {deadline} (exited: {process.HasExited}); its output:{Environment.NewLine}{server.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The child's last lines of output (warnings and errors), to say why a test failed.</summary>
    public string Output => string.Join(Environment.NewLine, _errors);

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _errors.Enqueue(line);
        while (_errors.Count > 200 && _errors.TryDequeue(out _))
        {
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no checkpoint.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }
}

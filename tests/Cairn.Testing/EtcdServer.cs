using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Testing;

/// <summary>
/// A real etcd process (Debian's <c>etcd-server</c>, installed by test.sh) on free loopback ports with a temporary
/// data directory. It can be stopped and started again on the same data and ports, to test outages.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-etcd-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _clientPort;
    private readonly int _peerPort;
    private Process? _process;

    private EtcdServer(int clientPort, int peerPort)
    {
        _clientPort = clientPort;
        _peerPort = peerPort;
    }

    /// <summary>The client URL, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{_clientPort}";

    /// <summary>The path of the etcd binary: $ETCD_BIN or etcd on the PATH.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("ETCD_BIN") ?? "etcd";

    /// <summary>Starts a fresh etcd and waits (up to <paramref name="deadline"/>, default 30 s) until it answers.</summary>
    public static async Task<EtcdServer> StartAsync(TimeSpan? deadline = null)
    {
        var server = new EtcdServer(FreePort(), FreePort());
        Directory.CreateDirectory(server._dataDir);
        await server.StartAgainAsync(deadline).ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts the process (again) on the same data directory and ports, and waits until it serves.</summary>
    public async Task StartAgainAsync(TimeSpan? deadline = null)
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", "test",
            "--data-dir", Path.Combine(_dataDir, "data"),
            "--listen-client-urls", Endpoint,
            "--advertise-client-urls", Endpoint,
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-cluster", $"test=http://127.0.0.1:{_peerPort}",
            "--log-level", "error",
        })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Binary}.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready when the gRPC gateway's health endpoint says so (etcd serves HTTP/JSON on the client port too).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {_process.ExitCode} while starting (data dir {_dataDir}).");
            }

            try
            {
                var health = await http.GetStringAsync(Endpoint + "/health").ConfigureAwait(false);
                if (health.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"etcd did not become healthy at {Endpoint} in time.");
            }

            await Task.Delay(25).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the process with SIGKILL (as a crash or a pulled cable would), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

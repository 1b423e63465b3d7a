using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Testing;

/// <summary>How a test etcd serves TLS on its client port.</summary>
/// <param name="Authority">The CA of the server certificate, and the only CA whose client certificates etcd accepts.</param>
/// <param name="Server">etcd's server certificate (from <paramref name="Authority"/>).</param>
/// <param name="Probe">A client certificate of <paramref name="Authority"/> for the readiness probe; when set, etcd runs
/// with <c>--client-cert-auth</c> (every client must present one); when null, clients need none.</param>
public sealed record EtcdServerTls(TestCertificates Authority, TestCertificateFiles Server, TestCertificateFiles? Probe);

/// <summary>
/// A real etcd process (Debian's <c>etcd-server</c>, installed by test.sh) on free loopback ports with a temporary
/// data directory. It can be stopped and started again on the same data and ports, to test outages.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly string _dataDir = Path.Combine(DataRoot, "cairn-etcd-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _clientPort;
    private readonly int _peerPort;
    private readonly ConcurrentQueue<string> _log = new(); // etcd's last lines of output, to say why it failed
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly EtcdServerTls? _tls;
    private Process? _process;

    private EtcdServer(int clientPort, int peerPort, IReadOnlyList<string> extraArguments, EtcdServerTls? tls)
    {
        _clientPort = clientPort;
        _peerPort = peerPort;
        _extraArguments = extraArguments;
        _tls = tls;
    }

    /// <summary>The client URL, <c>http://127.0.0.1:PORT</c> (<c>https://</c> when it serves TLS).</summary>
    public string Endpoint => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{_clientPort}";

    /// <summary>The path of the etcd binary: $ETCD_BIN or etcd on the PATH.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("ETCD_BIN") ?? "etcd";

    /// <summary>Starts a fresh etcd and waits (up to <paramref name="deadline"/>, default 30 s) until it answers.</summary>
    /// <param name="deadline">How long to wait for it to answer.</param>
    /// <param name="extraArguments">More flags for etcd (e.g. <c>--quota-backend-bytes</c>).</param>
    /// <param name="tls">Serve clients over TLS (and ask them for certificates), or null for plain HTTP.</param>
    public static async Task<EtcdServer> StartAsync(TimeSpan? deadline = null, IReadOnlyList<string>? extraArguments = null, EtcdServerTls? tls = null)
    {
        // A port is free when chosen, but nothing holds it until etcd binds it: another process (tests run in parallel,
        // and every listener on port 0 draws from the same ports) may take it in between. etcd then exits at once, and
        // starts again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            var server = new EtcdServer(TestProcesses.FreePort(), TestProcesses.FreePort(), extraArguments ?? [], tls);
            Directory.CreateDirectory(server._dataDir);
            try
            {
                await server.StartAgainAsync(deadline).ConfigureAwait(false);
                return server;
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                if (attempt >= 5 || !server.Output.Contains("address already in use", StringComparison.Ordinal))
                {
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Where the data directories go: in memory (/dev/shm) where the machine has it, since these tests are not about
    /// etcd's fsync and a busy disk makes every write wait; else the temp directory. The path under /dev/shm repeats
    /// the temp directory's, so a test run that has a temp directory of its own (test.sh) knows what to remove.
    /// </summary>
    public static string DataRoot { get; } = ChooseDataRoot();

    private static string ChooseDataRoot()
    {
        var temp = Path.GetTempPath();
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/dev/shm"))
        {
            return temp;
        }

        try
        {
            return Directory.CreateDirectory(Path.Join("/dev/shm", temp)).FullName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return temp;
        }
    }

    private string Output => string.Join(Environment.NewLine, _log);

    /// <summary>Starts the process (again) on the same data directory and ports, and waits until it serves.</summary>
    public async Task StartAgainAsync(TimeSpan? deadline = null)
    {
        _log.Clear();
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
        }.Concat(TlsArguments()).Concat(_extraArguments))
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Binary}.");
        _process.OutputDataReceived += (_, line) => Remember(line.Data);
        _process.ErrorDataReceived += (_, line) => Remember(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready when the gRPC gateway's health endpoint says so (etcd serves HTTP/JSON on the client port too).
        using var http = new HttpClient(ProbeHandler()) { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync().ConfigureAwait(false); // all of its output read
                throw new InvalidOperationException($"etcd exited with code {_process.ExitCode} while starting (data dir {_dataDir}):{Environment.NewLine}{Output}");
            }

            try
            {
                // Healthy, and still running: not another etcd that took the port ours could not bind.
                var health = await http.GetStringAsync(Endpoint + "/health").ConfigureAwait(false);
                if (health.Contains("\"true\"", StringComparison.Ordinal) && !_process.HasExited)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"etcd did not become healthy at {Endpoint} in time:{Environment.NewLine}{Output}");
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

    private IEnumerable<string> TlsArguments() => _tls is null
        ? []
        : [
            "--cert-file", _tls.Server.CertFile,
            "--key-file", _tls.Server.KeyFile,
            "--trusted-ca-file", _tls.Authority.CaFile,
            .. _tls.Probe is null ? Array.Empty<string>() : ["--client-cert-auth"],
        ];

    // The health probe trusts the test CA and, where etcd asks for one, shows the probe's client certificate.
    private HttpMessageHandler ProbeHandler() => _tls is null ? new SocketsHttpHandler() : _tls.Authority.CreateHttpHandler(_tls.Probe);

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 20)
        {
            _log.TryDequeue(out _);
        }
    }
}

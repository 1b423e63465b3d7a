using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Bench.Carts;

/// <summary>A <c>cairn serve</c> child on a free loopback port, its carts staged from a directory archive.</summary>
internal sealed class CairnProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private CairnProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        Client = new CairnClient(new CairnClientOptions { Endpoint = endpoint, Timeout = TimeSpan.FromMinutes(10) });
    }

    public string Endpoint { get; }

    public CairnClient Client { get; }

    public static async Task<CairnProcess> StartAsync(string cairn, string dataDir, string archiveDir, CancellationToken ct)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var listen = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var psi = cairn.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { cairn } } : new ProcessStartInfo(cairn);
        foreach (var a in new[] { "serve", "--data-dir", dataDir, "--listen", listen })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CAIRN_JOBS__WORKERS"] = "0";
        psi.Environment["CAIRN_CARTS__ARCHIVEDIRECTORY"] = archiveDir;
        psi.Environment["CAIRN_CARTS__ARCHIVE"] = "directory";
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + cairn);
        var server = new CairnProcess(process, listen);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await server.Client.StatusAsync(ct).ConfigureAwait(false);
                return server;
            }
            catch (UnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            catch (UnavailableException)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException("cairn serve did not come up: " + server.Log);
            }
        }
    }

    /// <summary>Its last lines of output, for an error message.</summary>
    public string Log => string.Join(" | ", _log);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: the server's graceful stop.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        _process.Dispose();
    }

    private void Keep(string? line)
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

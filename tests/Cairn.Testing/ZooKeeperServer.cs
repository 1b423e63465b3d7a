using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Cairn.Testing;

/// <summary>How a test ZooKeeper server serves TLS on its secure client port.</summary>
/// <param name="Authority">The CA of the server certificate, and the only CA whose client certificates it accepts.</param>
/// <param name="Server">The server's certificate (from <paramref name="Authority"/>).</param>
/// <param name="RequireClientCertificate">Whether every client must present a certificate (<c>ssl.clientAuth=need</c>).</param>
public sealed record ZooKeeperServerTls(TestCertificates Authority, TestCertificateFiles Server, bool RequireClientCertificate = true);

/// <summary>
/// One real ZooKeeper server process (Debian's ZooKeeper 3.8, <c>/usr/share/java/zookeeper.jar</c>), standalone or a
/// member of a <see cref="ZooKeeperEnsemble"/>, on loopback ports of its own with its data under
/// <see cref="EtcdServer.DataRoot"/>. It can be killed, stopped, started again on the same ports and data, and paused.
/// </summary>
/// <remarks>
/// The process's command line holds its data directory (the config file is in it), which sits under the temp
/// directory, so that test.sh can kill what a crashed run left behind. Every process is also killed when the test
/// process exits.
/// </remarks>
public sealed class ZooKeeperServer : IAsyncDisposable
{


    // What the exit handler cleans up. The test runner kills its test host soon after the tests end, while exit
    // handlers still run: the cleanup is one handler that signals every process at once, then removes the directories.
    private static readonly ConcurrentDictionary<Process, bool> Live = new();
    private static readonly ConcurrentDictionary<string, bool> RemoveAtExit = new();
    private readonly ConcurrentQueue<string> _log = new(); // the last lines of output, to say why it failed
    private readonly bool _standalone;
    private Process? _process;

    static ZooKeeperServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUpAtExit();

    internal ZooKeeperServer(int id, string dataDirectory, bool standalone)
    {
        Id = id;
        DataDirectory = dataDirectory;
        _standalone = standalone;
        ChoosePorts();
    }

    /// <summary>The server's id in the ensemble (its <c>myid</c>), from 1.</summary>
    public int Id { get; }

    /// <summary>Where its config, data and transaction log are.</summary>
    public string DataDirectory { get; }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int ClientPort { get; private set; }

    /// <summary>The secure (TLS) client port on 127.0.0.1, served when the server was started with TLS.</summary>
    public int SecureClientPort { get; private set; }

    /// <summary>How the server serves TLS, or null when it does not.</summary>
    public ZooKeeperServerTls? Tls { get; private set; }

    /// <summary>The quorum (follower to leader) port.</summary>
    public int PeerPort { get; private set; }

    /// <summary>The leader election port.</summary>
    public int ElectionPort { get; private set; }

    /// <summary><c>127.0.0.1:ClientPort</c>, for a client's connect string.</summary>
    public string ConnectString => $"127.0.0.1:{ClientPort}";

    /// <summary><c>127.0.0.1:SecureClientPort</c>, for a TLS client's connect string.</summary>
    public string SecureConnectString => $"127.0.0.1:{SecureClientPort}";

    /// <summary>Whether its process is running (a paused one is).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The JVM's classpath: $ZOOKEEPER_CLASSPATH, or Debian's jar with slf4j-simple so that the log reaches stdout.</summary>
    public static string ClassPath =>
        Environment.GetEnvironmentVariable("ZOOKEEPER_CLASSPATH")
        ?? (File.Exists("/usr/share/java/slf4j-simple.jar") ? "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar" : "/usr/share/java/zookeeper.jar");

    /// <summary>
    /// The classpath of a server that serves TLS: <see cref="ClassPath"/> and Netty (the secure client port needs the
    /// Netty connection factory; Debian's <c>netty-all.jar</c> holds no classes, so the module jars).
    /// </summary>
    public static string TlsClassPath =>
        Environment.GetEnvironmentVariable("ZOOKEEPER_TLS_CLASSPATH")
        ?? string.Join(':', new[] { ClassPath }.Concat(
            new[] { "buffer", "codec", "common", "handler", "resolver", "transport", "transport-native-epoll", "transport-native-unix-common" }
                .Select(module => $"/usr/share/java/netty-{module}.jar")));

    /// <summary>The server's last lines of output.</summary>
    public string Output => string.Join(Environment.NewLine, _log);

    internal string ConfigPath => Path.Combine(DataDirectory, "zoo.cfg");

    /// <summary>Starts the process (again) on the same ports and data, and waits until it serves clients.</summary>
    /// <param name="deadline">How long to wait (default 60 s: a quorum member must also find a leader).</param>
    public async Task StartAgainAsync(TimeSpan? deadline = null)
    {
        Launch();
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60));
        while (await ModeAsync().ConfigureAwait(false) is null)
        {
            ThrowIfExited();
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"ZooKeeper server {Id} ({ConnectString}) did not serve within {(deadline ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the process with SIGKILL (a crash), keeping its data; returns at once.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(); // the JVM starts no children
        }
    }

    // For exit handlers, which cannot await.
    internal void KillAndWait(TimeSpan patience)
    {
        Kill();
        _process?.WaitForExit(patience);
    }

    /// <summary>Kills the process with SIGKILL, keeping its data, and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
            Live.TryRemove(process, out _);
        }
    }

    /// <summary>Stops the process with SIGSTOP: its sockets stay open and nothing answers (a hung server).</summary>
    public void Pause() => TestProcesses.Pause(RunningPid);

    /// <summary>Continues a paused process (SIGCONT).</summary>
    public void Resume() => TestProcesses.Resume(RunningPid);

    /// <summary>
    /// Asks the server for its mode with the <c>srvr</c> four-letter word: <c>standalone</c>, <c>leader</c> or
    /// <c>follower</c> when it serves clients; null when it does not answer or does not serve (no quorum).
    /// </summary>
    public async Task<string?> ModeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", ClientPort, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync("srvr"u8.ToArray(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            foreach (var line in answer.ToString().Split('\n'))
            {
                if (line.StartsWith("Mode: ", StringComparison.Ordinal))
                {
                    var mode = line["Mode: ".Length..].Trim();
                    return mode is "standalone" or "leader" or "follower" ? mode : null;
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>Kills the process and removes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
        _process = null;
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <summary>Why the process ended early, if it did; a taken port shows as "Address already in use".</summary>
    internal bool PortWasTaken => Output.Contains("Address already in use", StringComparison.Ordinal);

    internal void ChoosePorts()
    {
        ClientPort = TestProcesses.FreePort();
        SecureClientPort = TestProcesses.FreePort();
        PeerPort = TestProcesses.FreePort();
        ElectionPort = TestProcesses.FreePort();
    }

    // zoo.cfg: tickTime 500 ms so that session timeouts down to 1 s are allowed (2 ticks) and elections are quick.
    internal void WriteConfig(IReadOnlyList<ZooKeeperServer> members, IReadOnlyDictionary<string, string>? extraConfig, ZooKeeperServerTls? tls = null)
    {
        Tls = tls;
        Directory.CreateDirectory(Path.Combine(DataDirectory, "data"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tickTime"] = "500",
            ["initLimit"] = "20",
            ["syncLimit"] = "10",
            ["dataDir"] = Path.Combine(DataDirectory, "data"),
            ["clientPort"] = ClientPort.ToString(CultureInfo.InvariantCulture),
            ["clientPortAddress"] = "127.0.0.1",
            ["admin.enableServer"] = "false",
            ["4lw.commands.whitelist"] = "srvr,ruok,mntr",
            ["maxClientCnxns"] = "0",
            ["maxSessionTimeout"] = "60000",
            ["extendedTypesEnabled"] = "true", // TTL nodes
            ["preAllocSize"] = "1024", // KiB of transaction log preallocated: 64 MiB by default, in memory here
            ["forceSync"] = "no",
            ["cnxTimeout"] = "1000", // election connections: notice a dead member quickly
        };
        if (tls is not null)
        {
            // PEM key and trust stores (ZooKeeper 3.6+); the plain client port stays, for the readiness probe.
            settings["secureClientPort"] = SecureClientPort.ToString(CultureInfo.InvariantCulture);
            settings["secureClientPortAddress"] = "127.0.0.1";
            settings["serverCnxnFactory"] = "org.apache.zookeeper.server.NettyServerCnxnFactory";
            settings["ssl.keyStore.location"] = tls.Server.PemFile;
            settings["ssl.keyStore.type"] = "PEM";
            settings["ssl.trustStore.location"] = tls.Authority.CaFile;
            settings["ssl.trustStore.type"] = "PEM";
            settings["ssl.clientAuth"] = tls.RequireClientCertificate ? "need" : "none";
        }

        foreach (var (key, value) in extraConfig ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var text = new StringBuilder();
        foreach (var (key, value) in settings)
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        }

        if (!_standalone)
        {
            foreach (var member in members)
            {
                text.Append(CultureInfo.InvariantCulture, $"server.{member.Id}=127.0.0.1:{member.PeerPort}:{member.ElectionPort}\n");
            }

            File.WriteAllText(Path.Combine(DataDirectory, "data", "myid"), Id.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        File.WriteAllText(ConfigPath, text.ToString());
    }

    // Starts the JVM without waiting; small and quick to start (serial GC, client compiler only).
    internal void Launch()
    {
        _log.Clear();
        var info = new ProcessStartInfo("java")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            "-Dorg.slf4j.simpleLogger.logFile=System.out",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dzookeeper.root.logger=INFO,CONSOLE",
            "-Dznode.container.checkIntervalMs=250", // containers and TTL nodes go within a test's patience
            "-cp", Tls is null ? ClassPath : TlsClassPath,
            _standalone ? "org.apache.zookeeper.server.ZooKeeperServerMain" : "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            ConfigPath,
        })
        {
            info.ArgumentList.Add(arg);
        }

        if (_process is { } previous)
        {
            Live.TryRemove(previous, out _);
            previous.Dispose();
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start java for ZooKeeper.");
        Live[process] = true;
        process.OutputDataReceived += (_, line) => Remember(line.Data);
        process.ErrorDataReceived += (_, line) => Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    internal void ThrowIfExited()
    {
        if (_process is { HasExited: true } process)
        {
            process.WaitForExit(); // all of its output read
            throw new InvalidOperationException($"ZooKeeper server {Id} exited with code {process.ExitCode} while starting (data {DataDirectory}):{Environment.NewLine}{Output}");
        }
    }

    private int RunningPid => _process is { HasExited: false } process
        ? process.Id
        : throw new InvalidOperationException($"ZooKeeper server {Id} is not running.");

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 40)
        {
            _log.TryDequeue(out _);
        }
    }

    // A directory removed when the test process exits (after its processes are killed).
    internal static void RemoveDirectoryAtExit(string directory) => RemoveAtExit[directory] = true;

    private static void CleanUpAtExit()
    {
        var processes = Live.Keys.ToList();
        foreach (var process in processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    TestProcesses.KillNow(process.Id);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        // A killed process may still be on its way out and write one more file: a second try.
        foreach (var directory in RemoveAtExit.Keys)
        {
            for (var attempt = 0; attempt < 2 && Directory.Exists(directory); attempt++)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Thread.Sleep(20);
                }
            }
        }
    }
}

namespace Cairn.Testing;

/// <summary>
/// Real ZooKeeper servers for tests: one standalone server, or a quorum of N members, each a
/// <see cref="ZooKeeperServer"/> process on free loopback ports (client, peer, election) with <c>tickTime=500</c> (so
/// session timeouts down to 1 s are allowed), extended types on (TTL nodes) and containers checked every 250 ms.
/// </summary>
/// <remarks>
/// Most tests share one standalone server per test process (<see cref="SharedStandaloneAsync"/>), each under a root
/// znode of its own; tests that kill, pause or fill servers start their own.
/// </remarks>
public sealed class ZooKeeperEnsemble : IAsyncDisposable
{
    private static readonly Lazy<Task<ZooKeeperEnsemble>> Shared = new(() => StartSharedAsync());

    private readonly string _root;
    private readonly bool _shared;
    private readonly List<ZooKeeperServer> _members;

    private ZooKeeperEnsemble(string root, int servers, bool shared)
    {
        _root = root;
        _shared = shared;
        _members = [.. Enumerable.Range(1, servers).Select(id => new ZooKeeperServer(id, Path.Combine(root, $"m{id}"), standalone: servers == 1))];
    }

    /// <summary>The members, in id order (member i has id i + 1).</summary>
    public IReadOnlyList<ZooKeeperServer> Members => _members;

    /// <summary>Every member's <c>127.0.0.1:port</c>, comma-separated: a client's connect string for the whole ensemble.</summary>
    public string ConnectString => string.Join(",", _members.Select(m => m.ConnectString));

    /// <summary>
    /// Starts <paramref name="servers"/> fresh servers (1: standalone; more: a quorum) and waits until every member
    /// serves clients and the quorum has a leader.
    /// </summary>
    /// <param name="servers">How many members.</param>
    /// <param name="deadline">How long to wait for them to serve (default 90 s: JVMs start slowly on a loaded machine).</param>
    /// <param name="extraConfig">More zoo.cfg settings, or settings to override.</param>
    /// <param name="tls">Serve TLS on each member's secure client port too (<see cref="SecureConnectString"/>).</param>
    public static async Task<ZooKeeperEnsemble> StartAsync(int servers = 1, TimeSpan? deadline = null, IReadOnlyDictionary<string, string>? extraConfig = null, ZooKeeperServerTls? tls = null) =>
        await StartAsync(servers, deadline, extraConfig, tls, shared: false).ConfigureAwait(false);

    /// <summary>Every member's <c>127.0.0.1:secure-port</c>, comma-separated: a TLS client's connect string.</summary>
    public string SecureConnectString => string.Join(",", _members.Select(m => m.SecureConnectString));

    /// <summary>
    /// The test process's one standalone server, started on first use and killed when the process exits; every test
    /// of an assembly shares it, each under a root znode of its own. Disposing it does nothing.
    /// </summary>
    public static Task<ZooKeeperEnsemble> SharedStandaloneAsync() => Shared.Value;

    /// <summary>The member at <paramref name="index"/> (0-based).</summary>
    public ZooKeeperServer Member(int index) => _members[index];

    /// <summary>The member whose client address is <paramref name="connectString"/> (<c>127.0.0.1:port</c>), e.g. a client's <c>ConnectedServer</c>.</summary>
    public ZooKeeperServer? MemberAt(string? connectString) => _members.FirstOrDefault(m => m.ConnectString == connectString);

    /// <summary>Waits until every running member serves clients (a quorum member: has joined a leader) and one leads.</summary>
    /// <param name="deadline">How long to wait (default 60 s).</param>
    public Task WaitUntilServingAsync(TimeSpan? deadline = null) => WaitUntilServingAsync(deadline, failOnTakenPort: false);

    private async Task WaitUntilServingAsync(TimeSpan? deadline, bool failOnTakenPort)
    {
        var patience = deadline ?? TimeSpan.FromSeconds(60);
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            var running = _members.Where(m => m.IsRunning).ToList();
            var modes = await Task.WhenAll(running.Select(m => m.ModeAsync())).ConfigureAwait(false);
            if (modes.All(m => m is not null) && (_members.Count == 1 || modes.Count(m => m == "leader") == 1))
            {
                return;
            }

            foreach (var member in _members)
            {
                if (failOnTakenPort && member.PortWasTaken)
                {
                    throw new InvalidOperationException($"ZooKeeper server {member.Id} could not bind a port:{Environment.NewLine}{member.Output}");
                }

                member.ThrowIfExited();
            }

            if (DateTime.UtcNow > until)
            {
                var states = string.Join(", ", running.Select((m, i) => $"{m.Id}: {modes[i] ?? "not serving"}"));
                var lastWords = string.Join(Environment.NewLine, _members.Select(m => $"--- server {m.Id}:{Environment.NewLine}{m.Output}"));
                throw new TimeoutException($"ZooKeeper ensemble did not serve within {patience.TotalSeconds:0} s ({states}):{Environment.NewLine}{lastWords}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Kills every member and removes their data (not the shared server's: it lives as long as the process).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shared)
        {
            return;
        }

        await KillAndRemoveAsync().ConfigureAwait(false);
    }

    private static async Task<ZooKeeperEnsemble> StartAsync(int servers, TimeSpan? deadline, IReadOnlyDictionary<string, string>? extraConfig, ZooKeeperServerTls? tls, bool shared)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(servers, 1);

        // A port is free when chosen, but nothing holds it until the JVM binds it: another process may take it in
        // between (tests run in parallel). The member then fails with "Address already in use" (standalone: exits; a
        // quorum member: keeps retrying its election port), and the ensemble starts again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            var root = Path.Combine(EtcdServer.DataRoot, "cairn-zk-" + Guid.NewGuid().ToString("N")[..12]);
            var ensemble = new ZooKeeperEnsemble(root, servers, shared);
            try
            {
                foreach (var member in ensemble._members)
                {
                    member.WriteConfig(ensemble._members, extraConfig, tls);
                }

                foreach (var member in ensemble._members)
                {
                    member.Launch();
                }

                await ensemble.WaitUntilServingAsync(deadline ?? TimeSpan.FromSeconds(90), failOnTakenPort: true).ConfigureAwait(false);
                return ensemble;
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                var portTaken = ensemble._members.Any(m => m.PortWasTaken);
                await ensemble.KillAndRemoveAsync().ConfigureAwait(false);
                if (attempt >= 5 || !portTaken)
                {
                    throw;
                }
            }
        }
    }

    private static async Task<ZooKeeperEnsemble> StartSharedAsync()
    {
        var ensemble = await StartAsync(1, null, null, null, shared: true).ConfigureAwait(false);
        ZooKeeperServer.RemoveDirectoryAtExit(ensemble._root);
        return ensemble;
    }

    private async Task KillAndRemoveAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

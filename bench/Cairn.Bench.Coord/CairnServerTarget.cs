using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Coordination.Recipes;
using Cairn.Core;

namespace Cairn.Bench.Coord;

/// <summary>
/// Cairn as a server: a real <c>cairn serve</c> process on its embedded SQLite store in a fresh temp data directory
/// (durability full, the default: every acquire, release, campaign and enter is on disk before it is answered), over
/// HTTP/1.1. Two ways to drive it:
/// <list type="bullet">
/// <item><b>cairn</b>: through Cairn.Client — <see cref="CairnClient.AcquireLockAsync"/>, <see cref="CairnClient.CampaignAsync"/>,
/// <see cref="CairnClient.EnterBarrierAsync"/> under a <see cref="CairnSession"/> per participant — the .NET
/// application's API. Each lock and leadership is a handle that watches its own key for as long as it is held (a read
/// and a watch stream per grant, so that <c>Lost</c> fires when it goes), and releases (resigns) on dispose.</item>
/// <item><b>cairn-http</b>: the routes alone (<c>POST/DELETE /v1/locks</c>, <c>POST /v1/elections/…/campaign|resign</c>,
/// <c>POST /v1/barriers/…/enter</c>) with the Contracts DTOs and a plain lease per participant: the server's own cost,
/// the like of etcd's lock and election services driven directly.</item>
/// </list>
/// A waiting call (an acquire behind a holder, a standby's campaign, a barrier entry) is a request held open by the server
/// until it is answered, so each waiter holds one pooled connection.
/// </summary>
internal sealed class CairnServerTarget : ICoordTarget
{
    // Requests written strictly, answers read leniently (as Cairn.Client does).
    private static readonly JsonSerializerOptions ReadOptions = new(WireJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    private readonly string _cairn;
    private readonly string _transport;
    private readonly bool _useClient;
    private readonly DirectoryInfo _dir;
    private readonly ConcurrentDictionary<long, CairnSession> _sessions = new();
    private Process? _process;
    private CairnClient? _client;
    private HttpClient? _http;

    private CairnServerTarget(string cairn, string transport, bool useClient)
    {
        _cairn = cairn;
        _transport = transport;
        _useClient = useClient;
        _dir = Directory.CreateTempSubdirectory("cairn-bench-coord-");
    }

    /// <summary>Driven through Cairn.Client's handles.</summary>
    public static TargetKind ClientKind(string cairn, string transport) => Kind(
        "cairn",
        $"`cairn serve` (embedded SQLite, fresh temp data dir per cell, durability full — the default) over HTTP/1.1 on {TransportName(transport)}, driven through Cairn.Client: AcquireLockAsync / CampaignAsync / EnterBarrierAsync under a CairnSession per participant, handles disposed to release or resign (a lock or leadership handle reads and watches its key while held, to signal Lost)",
        cairn,
        transport,
        useClient: true);

    /// <summary>Driven through the routes directly.</summary>
    public static TargetKind HttpKind(string cairn, string transport) => Kind(
        "cairn-http",
        $"the same server driven through the routes alone: POST/DELETE /v1/locks, POST /v1/elections/…/campaign|resign, POST /v1/barriers/…/enter with the Contracts DTOs over HTTP/1.1 on {TransportName(transport)}, a plain lease (POST /v1/leases) per participant, no handles",
        cairn,
        transport,
        useClient: false);

    private static string TransportName(string transport) => transport == "unix" ? "its Unix socket" : "loopback TCP";

    private static TargetKind Kind(string name, string description, string cairn, string transport, bool useClient) => new(
        name,
        description,
        HasBarrier: true,
        async ct =>
        {
            var t = new CairnServerTarget(cairn, transport, useClient);
            try
            {
                await t.StartServerAsync(ct).ConfigureAwait(false);
                return t;
            }
            catch
            {
                await t.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        });

    private CairnClient Client => _client ?? throw new InvalidOperationException("the server is not running");

    private HttpClient Http => _http ?? throw new InvalidOperationException("the server is not running");

    public async Task<(long Id, long TtlSeconds)> GrantAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        if (!_useClient)
        {
            return await GrantExpiringAsync(ttlSeconds, cancellationToken).ConfigureAwait(false);
        }

        var session = await Client.CreateSessionAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        _sessions[session.LeaseId] = session;
        return (session.LeaseId, session.TtlSeconds);
    }

    public async Task<(long Id, long TtlSeconds)> GrantExpiringAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        var grant = await Client.GrantLeaseAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (grant.Id, grant.TtlSeconds);
    }

    public async Task RevokeAsync(long lease, CancellationToken cancellationToken)
    {
        if (_sessions.TryRemove(lease, out var session))
        {
            await session.DisposeAsync().ConfigureAwait(false);
            return;
        }

        await Client.RevokeLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Held> LockAsync(string name, long lease, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(lease, out var session))
        {
            var handle = await Client.AcquireLockAsync(name, session: session, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Held(handle.Key, handle.Token, handle);
        }

        var grant = await SendAsync<LockGrantDto>(HttpMethod.Post, $"/v1/locks/{Uri.EscapeDataString(name)}", new LockRequestDto { Lease = lease }, cancellationToken).ConfigureAwait(false);
        return new Held(grant!.Key, grant.Token);
    }

    public async Task UnlockAsync(string name, Held grant, CancellationToken cancellationToken)
    {
        if (grant.Native is LockHandle handle)
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            return;
        }

        await SendAsync<object>(HttpMethod.Delete, $"/v1/locks/{Uri.EscapeDataString(name)}?key={Uri.EscapeDataString(grant.Key)}&token={grant.Token.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken).ConfigureAwait(false);
    }

    // The crashing leader's lease has no session: it campaigns through the route (set-up, not timed).
    public async Task<Held> CampaignAsync(string name, long lease, string value, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(lease, out var session))
        {
            var leadership = await Client.CampaignAsync(name, value, session: session, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Held(leadership.Key, leadership.Token, leadership);
        }

        var leader = await SendAsync<LeaderDto>(HttpMethod.Post, $"/v1/elections/{Uri.EscapeDataString(name)}/campaign", new CampaignDto { Lease = lease, Value = value }, cancellationToken).ConfigureAwait(false);
        return new Held(leader!.Key, leader.Token);
    }

    public async Task ResignAsync(string name, Held leadership, CancellationToken cancellationToken)
    {
        if (leadership.Native is Leadership handle)
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            return;
        }

        await SendAsync<object>(HttpMethod.Post, $"/v1/elections/{Uri.EscapeDataString(name)}/resign", new LeadershipDto { Key = leadership.Key, Token = leadership.Token }, cancellationToken).ConfigureAwait(false);
    }

    // Set-up only: the candidates' keys, read through the keyspace API.
    public async Task<long> CandidatesAsync(string name, CancellationToken cancellationToken) =>
        (await Client.RangeAsync(new RangeRequest(KeyRange.Prefix(ElectionStore.Prefix + name + "/")) { CountOnly = true }, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<IAsyncDisposable?> EnterBarrierAsync(string name, long lease, int count, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(lease, out var session))
        {
            return await Client.EnterBarrierAsync(name, count, session: session, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await SendAsync<BarrierEntryDto>(HttpMethod.Post, $"/v1/barriers/{Uri.EscapeDataString(name)}/enter", new EnterBarrierDto { Lease = lease, Count = count }, cancellationToken).ConfigureAwait(false);
        return null;
    }

    public async Task<int> BarrierEnteredAsync(string name, CancellationToken cancellationToken) =>
        (await Client.GetBarrierAsync(name, cancellationToken).ConfigureAwait(false)).Participants?.Count ?? 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var lease in _sessions.Keys)
        {
            if (_sessions.TryRemove(lease, out var session))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }

        await StopServerAsync().ConfigureAwait(false);
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp dir; costs only space.
        }
    }

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), WireJson.Options));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {problem}");
        }

        return response.StatusCode == HttpStatusCode.NoContent || typeof(T) == typeof(object)
            ? default
            : await response.Content.ReadFromJsonAsync<T>(ReadOptions, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        string listen;
        var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) };
        Uri baseAddress;
        if (_transport == "unix")
        {
            var sock = Path.Combine(_dir.FullName, "cairn.sock");
            listen = "unix:" + sock;
            baseAddress = new Uri("http://localhost");
            handler.ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(sock), token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        else
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            listen = "http://127.0.0.1:" + ((IPEndPoint)l.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
            baseAddress = new Uri(listen);
        }

        var psi = _cairn.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { _cairn } } : new ProcessStartInfo(_cairn);
        foreach (var a in new[] { "serve", "--data-dir", Path.Combine(_dir.FullName, "data"), "--listen", listen, "--durability", "full" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CAIRN_JOBS__WORKERS"] = "0";
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var log = new ConcurrentQueue<string>();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + _cairn);
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _client = new CairnClient(new CairnClientOptions { Endpoint = listen });
        _http = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await _client.StatusAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (UnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            catch (UnavailableException)
            {
                throw new InvalidOperationException("cairn serve did not come up: " + string.Join(" | ", log));
            }
        }
    }

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 20)
        {
            log.TryDequeue(out _);
        }
    }

    private async Task StopServerAsync()
    {
        _http?.Dispose();
        _http = null;
        _client?.Dispose();
        _client = null;
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            // SIGTERM: the server's graceful stop.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        process.Dispose();
    }
}

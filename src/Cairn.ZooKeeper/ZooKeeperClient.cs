using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.ZooKeeper;

/// <summary>
/// A ZooKeeper session over one TCP connection at a time, to one server of the ensemble, written from the wire protocol
/// (it behaves as the Java client's <c>ClientCnxn</c>).
/// </summary>
/// <remarks>
/// <para><b>Ordering.</b> Every request is queued for sending before its <c>XxxAsync</c> method returns, and requests
/// are sent in that order and answered in that order (any number in flight). So a request started after another,
/// without awaiting it, sees its effects: <c>SyncAsync</c> then <c>GetDataAsync</c> reads after the sync.</para>
/// <para><b>Connection loss.</b> When the connection is lost, the requests written and not yet answered fail with
/// <see cref="ConnectionLossException"/> (they may or may not have applied), <see cref="Watched"/> reports
/// <see cref="ZooKeeperState.Disconnected"/>, and the client reconnects to the next server within the session timeout,
/// keeping the session: it sends the credentials again and sets every watch again, then reports
/// <see cref="ZooKeeperState.Connected"/>. Requests made meanwhile wait for the reconnect. If the session has expired
/// (the server says so, or no server has been heard for 4/3 of the session timeout) the client is
/// <see cref="ZooKeeperState.Expired"/> for good: every request fails with <see cref="SessionExpiredException"/>.</para>
/// <para><b>Completion.</b> The tasks of requests made without a cancellation token complete in reply order: when a
/// request's continuation runs, every request made before it is complete.</para>
/// <para><b>Cancellation</b> of a request abandons the caller's wait only; the request stays in the pipeline and its
/// reply is matched and dropped.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread, concurrently. Events are raised one at a time,
/// in order, on one dispatch task, never on the socket reader; a slow handler delays later events, not replies.</para>
/// </remarks>
public sealed partial class ZooKeeperClient : IAsyncDisposable
{
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(2);

    private readonly ZooKeeperClientOptions _options;
    private readonly DnsEndPoint[] _servers;
    private readonly string? _chroot;
    private readonly ILogger _logger;
    private readonly Channel<Request> _outgoing = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<WatchedEvent> _events = Channel.CreateUnbounded<WatchedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WatchTable _watches = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guards the state, the final error, the credentials and the order of enqueueing against the final transition.
    private readonly Lock _stateLock = new();
    private readonly List<ZooKeeperAuth> _auth;
    private ZooKeeperState _state = ZooKeeperState.Connecting;
    private Func<string?, Exception>? _final;

    private Task _loop = Task.CompletedTask;
    private Task _dispatch = Task.CompletedTask;
    private long _sessionId;
    private byte[] _password = new byte[16];
    private int _negotiatedTimeoutMs;
    private long _lastZxid;
    private int _nextXid = 1;
    private string? _connectedServer;
    private string? _lastConnectError;
    private int _disposed;

    [ThreadStatic]
    private static ZooKeeperClient? _dispatchingClient;

    private ZooKeeperClient(ZooKeeperClientOptions options, ConnectString connect)
    {
        _options = options;
        _servers = [.. connect.Servers];
        Random.Shared.Shuffle(_servers);
        _chroot = connect.Chroot;
        _logger = options.Logger ?? NullLogger.Instance;
        _auth = [.. options.Auth];
        if (options.SessionId != 0)
        {
            _sessionId = options.SessionId;
            _password = options.SessionPassword.ToArray();
        }
    }

    /// <summary>
    /// Every watch event, and every change of <see cref="State"/> (as <see cref="WatchEventKind.None"/>), in the order
    /// they happened, raised one at a time from one dispatch task. A handler that throws is logged and skipped.
    /// </summary>
    public event Action<WatchedEvent>? Watched;

    /// <summary>The session's id (0 before the first session).</summary>
    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>The session's password, which with <see cref="SessionId"/> lets a connection resume the session.</summary>
    public ReadOnlyMemory<byte> SessionPassword => Volatile.Read(ref _password);

    /// <summary>The session timeout the server granted.</summary>
    public TimeSpan NegotiatedSessionTimeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _negotiatedTimeoutMs));

    /// <summary>The client's state now; <see cref="Watched"/> reports each change.</summary>
    public ZooKeeperState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>The server (<c>host:port</c>) the client is connected to; null while not connected.</summary>
    public string? ConnectedServer => Volatile.Read(ref _connectedServer);

    private bool IsFinal
    {
        get
        {
            lock (_stateLock)
            {
                return _final is not null;
            }
        }
    }

    /// <summary>
    /// Connects to one of the servers and starts a session. Returns once the session is up, the credentials are
    /// accepted and the chroot (if any) is known to exist.
    /// </summary>
    /// <param name="options">The servers, the session and the credentials.</param>
    /// <param name="cancellationToken">Abandons the connecting.</param>
    /// <returns>The connected client; dispose it to end the session.</returns>
    /// <exception cref="ZooKeeperConnectException">The connect string is malformed, no server answered within
    /// <see cref="ZooKeeperClientOptions.ConnectTimeout"/>, the chroot does not exist, or the credentials were refused.</exception>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connect = ConnectString.Parse(options.ConnectString);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SessionTimeout, TimeSpan.FromMilliseconds(1), nameof(options.SessionTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SessionTimeout, TimeSpan.FromMilliseconds(int.MaxValue), nameof(options.SessionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConnectTimeout, TimeSpan.FromMilliseconds(1), nameof(options.ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxReplyBytes, 1024, nameof(options.MaxReplyBytes));
        ArgumentNullException.ThrowIfNull(options.Auth, nameof(options.Auth));

        var client = new ZooKeeperClient(options, connect);
        client.Start();
        try
        {
            await client.WaitForUsableSessionAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Ends the session (closeSession, waiting at most 2 s for the server; its ephemerals go at once) and the client.
    /// Requests still pending fail with <see cref="ObjectDisposedException"/>; <see cref="Watched"/> reports
    /// <see cref="ZooKeeperState.Closed"/> last.
    /// </summary>
    /// <returns>A task that completes once the connection is closed and every event has been raised.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var onDispatch = _dispatchingClient == this;
        if (State == ZooKeeperState.Connected)
        {
            var close = new CloseSessionRequest();
            Enqueue(close);
            try
            {
                await close.Task.WaitAsync(CloseDeadline).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZooKeeperException or TimeoutException or ObjectDisposedException)
            {
                Log.CloseSessionFailed(_logger, SessionId, ex.Message);
            }
        }

        EnterFinal(ZooKeeperState.Closed, path => new ObjectDisposedException(nameof(ZooKeeperClient), path is null
            ? "The ZooKeeper client was disposed."
            : $"The ZooKeeper client was disposed before the request for {path} was answered."));
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.LoopFailed(_logger, ex);
        }

        _events.Writer.TryComplete();
        if (!onDispatch)
        {
            await _dispatch.ConfigureAwait(false);
        }
    }

    // Sets the xid the next request gets, so that a test can cross the wrap from int.MaxValue to 1.
    internal void SetNextXid(int xid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(xid, 1);
        Volatile.Write(ref _nextXid, xid);
    }

    private void Start()
    {
        _dispatch = Task.Run(DispatchAsync);
        _loop = Task.Run(RunAsync);
    }

    private async Task WaitForUsableSessionAsync(CancellationToken cancellationToken)
    {
        var deadline = _options.ConnectTimeout;
        var started = Environment.TickCount64;
        try
        {
            await _firstSession.Task.WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionExpiredException ex)
        {
            throw new ZooKeeperConnectException($"The session 0x{_options.SessionId:x} to resume has ended (the server says it has expired).", ex);
        }
        catch (TimeoutException)
        {
            throw new ZooKeeperConnectException(
                $"No ZooKeeper server answered within {deadline.TotalSeconds:0.###} s at {string.Join(", ", _servers.Select(ConnectString.Format))}" +
                $"{(Volatile.Read(ref _lastConnectError) is { } error ? $" (last error: {error})" : "")}.");
        }

        // The session is up; an exists on the root (the chroot, server-side) proves the chroot exists and that the
        // credentials were accepted: the server answers auth packets before it reads the next request, and closes the
        // connection when it refuses them.
        while (true)
        {
            var server = ConnectedServer;
            try
            {
                var left = deadline - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                var root = await ExistsAsync("/", false, cancellationToken).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
                if (root is null && _chroot is not null)
                {
                    throw new ZooKeeperConnectException($"chroot {_chroot} does not exist on {server ?? ConnectedServer}.");
                }

                return;
            }
            catch (AuthFailedException ex)
            {
                var schemes = string.Join(", ", _options.Auth.Select(a => a.Scheme).Distinct());
                throw new ZooKeeperConnectException($"ZooKeeper server {server} refused the credentials (scheme {schemes}).", ex);
            }
            catch (ConnectionLossException) when (Environment.TickCount64 - started < deadline.TotalMilliseconds)
            {
                // The connection dropped under the check; the client reconnects, and the check goes again.
            }
            catch (Exception ex) when (ex is TimeoutException or ConnectionLossException)
            {
                throw new ZooKeeperConnectException(
                    $"The ZooKeeper session started on {server} but did not answer within {deadline.TotalSeconds:0.###} s.", ex);
            }
        }
    }

    // Queues a request in call order, or fails it at once when the client is finished.
    private void Enqueue(Request request)
    {
        lock (_stateLock)
        {
            if (_final is null)
            {
                _outgoing.Writer.TryWrite(request);
                return;
            }
        }

        request.Fail(FailureFor(request.Path, null));
    }

    // The request's own task when there is nothing to cancel: it completes on the reader, in reply order, so a request's
    // task is complete by the time a later one's continuation runs.
    private Task<T> SubmitAsync<T>(Request<T> request, CancellationToken cancellationToken)
    {
        Enqueue(request);
        return cancellationToken.CanBeCanceled ? request.Task.WaitAsync(cancellationToken) : request.Task;
    }

    // Why a request failed without a reply: the client's end if it has ended, else the lost connection.
    private Exception FailureFor(string? path, string? lostConnection)
    {
        lock (_stateLock)
        {
            if (_final is { } final)
            {
                return final(path);
            }
        }

        var what = path is null ? "the request" : $"the request for {path}";
        return new ConnectionLossException(path, $"ConnectionLoss{(path is null ? "" : $" for {path}")}: " +
            $"{(lostConnection is null ? "the connection was lost" : lostConnection)} before {what} was answered; it may or may not have applied.");
    }

    // A change of state that is not final; ignored once the client has ended.
    private void ChangeState(ZooKeeperState state, string? server)
    {
        lock (_stateLock)
        {
            if (_final is not null || _state == state)
            {
                return;
            }

            _state = state;
            Volatile.Write(ref _connectedServer, server);
            _events.Writer.TryWrite(new WatchedEvent(WatchEventKind.None, state, null));
        }
    }

    // The client's end (expired, refused credentials, disposed): reported once; every queued and later request fails
    // with the state's exception; the connection loop stops.
    private void EnterFinal(ZooKeeperState state, Func<string?, Exception> failure)
    {
        lock (_stateLock)
        {
            if (_final is not null)
            {
                return;
            }

            _final = failure;
            _state = state;
            Volatile.Write(ref _connectedServer, null);
            _events.Writer.TryWrite(new WatchedEvent(WatchEventKind.None, state, null));
            _outgoing.Writer.TryComplete();
        }

        while (_outgoing.Reader.TryRead(out var request))
        {
            request.Fail(failure(request.Path));
        }

        _firstSession.TrySetException(failure(null));
        _ = _firstSession.Task.Exception; // observed: ConnectAsync may have stopped waiting

        // Callbacks (socket cancellations) run on the pool, not on the caller, which may be the socket reader.
        _ = _lifetime.CancelAsync();
    }

    private void Raise(WatchedEvent watchedEvent) => _events.Writer.TryWrite(watchedEvent);

    private async Task DispatchAsync()
    {
        await foreach (var watchedEvent in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (Watched is not { } handlers)
            {
                continue;
            }

            // Each handler on its own: one that throws does not keep the event from the others.
            _dispatchingClient = this;
            try
            {
                foreach (var handler in handlers.GetInvocationList())
                {
                    try
                    {
                        ((Action<WatchedEvent>)handler)(watchedEvent);
                    }
                    catch (Exception ex)
                    {
                        Log.HandlerFailed(_logger, watchedEvent.Kind, watchedEvent.Path, ex);
                    }
                }
            }
            finally
            {
                _dispatchingClient = null;
            }
        }
    }

    // Paths as the server sees them (under the chroot) and back.
    private string ToServer(string path) =>
        _chroot is null ? path : path == "/" ? _chroot : _chroot + path;

    private string FromServer(string path)
    {
        if (_chroot is null)
        {
            return path;
        }

        if (path == _chroot)
        {
            return "/";
        }

        return path.Length > _chroot.Length && path.StartsWith(_chroot, StringComparison.Ordinal) && path[_chroot.Length] == '/'
            ? path[_chroot.Length..]
            : path;
    }

    private bool UnderChroot(string serverPath) =>
        _chroot is null || serverPath == _chroot || (serverPath.StartsWith(_chroot, StringComparison.Ordinal) && serverPath.Length > _chroot.Length && serverPath[_chroot.Length] == '/');
}

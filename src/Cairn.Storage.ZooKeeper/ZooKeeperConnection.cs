using Cairn.Core;
using Cairn.ZooKeeper;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.ZooKeeper;

/// <summary>
/// The backend's ZooKeeper session: one <see cref="ZooKeeperClient"/>, which reconnects by itself within the session,
/// and a new client when the session expires (ZooKeeper's clients never recover an expired session). Watch events of
/// every client it makes are forwarded to <see cref="Watched"/>.
/// </summary>
internal sealed partial class ZooKeeperConnection : IAsyncDisposable
{
    private readonly ZooKeeperKeyspaceOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<Action> _onDown = [];
    private readonly CancellationTokenSource _disposed = new();
    private ZooKeeperClient _client;
    private Action<WatchedEvent> _handler;
    private Task<ZooKeeperClient>? _renewing;
    private long _downSince; // Environment.TickCount64 when the session lost its connection; 0 while connected

    private ZooKeeperConnection(ZooKeeperKeyspaceOptions options, ILogger logger, ZooKeeperClient client)
    {
        _options = options;
        _logger = logger;
        _client = client;
        _handler = Subscribe(client);
    }

    /// <summary>Every watch event and state change of the current session.</summary>
    public event Action<WatchedEvent>? Watched;

    /// <summary>Called with a new session after the old one expired, before any request runs on it.</summary>
    public event Func<ZooKeeperClient, CancellationToken, Task>? Renewed;

    /// <summary>Opens the first session.</summary>
    /// <exception cref="ZooKeeperBackendException">The connect string, chroot or credentials are wrong.</exception>
    /// <exception cref="UnavailableException">No server of the ensemble answered within the connect timeout.</exception>
    public static async Task<ZooKeeperConnection> OpenAsync(ZooKeeperKeyspaceOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync(options, logger, cancellationToken).ConfigureAwait(false);
        return new ZooKeeperConnection(options, logger, client);
    }

    /// <summary>How long the session has had no connection to any server; null while it has one.</summary>
    public TimeSpan? DownFor
    {
        get
        {
            var since = Interlocked.Read(ref _downSince);
            return since == 0 ? null : TimeSpan.FromMilliseconds(Math.Max(0, Environment.TickCount64 - since));
        }
    }

    /// <summary>Calls <paramref name="callback"/> whenever the session loses its connection, until disposed.</summary>
    public IDisposable RegisterDown(Action callback)
    {
        lock (_gate)
        {
            _onDown.Add(callback);
        }

        return new Registration(this, callback);
    }

    /// <summary>
    /// The ACL the keyspace's znodes get: everything for the digest identity alone when credentials are set, else open.
    /// The digest identity by name, not <see cref="Acl.CreatorAll"/>: over TLS a session also holds its client
    /// certificate's x509 identity, and every client with a certificate of that subject would get in too.
    /// </summary>
    public static IReadOnlyList<Acl> AclFor(ZooKeeperKeyspaceOptions options) =>
        ParseDigest(options) is var (user, password) ? Acl.Digest(user, password) : Acl.OpenUnsafe;

    /// <summary>The user and password of <see cref="ZooKeeperKeyspaceOptions.Digest"/>, or null when there is none.</summary>
    /// <exception cref="ZooKeeperBackendException">It is not <c>USER:PASSWORD</c>.</exception>
    public static (string User, string Password)? ParseDigest(ZooKeeperKeyspaceOptions options)
    {
        if (options.Digest is not { } digest)
        {
            return null;
        }

        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ZooKeeperBackendException("ZooKeeper:Digest must be USER:PASSWORD.");
        }

        return (digest[..colon], digest[(colon + 1)..]);
    }

    /// <summary>The current session's client; waits for a new one while an expired session is being replaced.</summary>
    public async ValueTask<ZooKeeperClient> CurrentAsync(CancellationToken cancellationToken)
    {
        Task<ZooKeeperClient> renewing;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_client.State != ZooKeeperState.Expired && _renewing is null)
            {
                return _client;
            }

            renewing = _renewing ??= RenewAsync(_client);
        }

        return await renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Says that <paramref name="client"/>'s session expired; the next <see cref="CurrentAsync"/> waits for a new one.</summary>
    public void Expired(ZooKeeperClient client)
    {
        lock (_gate)
        {
            if (ReferenceEquals(client, _client) && _renewing is null && !_disposed.IsCancellationRequested)
            {
                _renewing = RenewAsync(client);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ZooKeeperClient client;
        Task<ZooKeeperClient>? renewing;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            client = _client;
            renewing = _renewing;
        }

        if (renewing is not null)
        {
            try
            {
                await renewing.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        client.Watched -= _handler;
        await client.DisposeAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }

    private async Task<ZooKeeperClient> RenewAsync(ZooKeeperClient expired)
    {
        LogExpired(_logger, expired.SessionId);
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            _disposed.Token.ThrowIfCancellationRequested();
            ZooKeeperClient? client = null;
            Action<WatchedEvent>? handler = null;
            try
            {
                client = await ConnectAsync(_options, _logger, _disposed.Token).ConfigureAwait(false);
                handler = Subscribe(client);
                if (Renewed is { } renewed)
                {
                    await renewed(client, _disposed.Token).ConfigureAwait(false);
                }

                Action<WatchedEvent> old;
                lock (_gate)
                {
                    old = _handler;
                    _client = client;
                    _handler = handler;
                    _renewing = null;
                }

                Interlocked.Exchange(ref _downSince, 0);

                expired.Watched -= old;
                await expired.DisposeAsync().ConfigureAwait(false);
                LogRenewed(_logger, client.SessionId);
                return client;
            }
            catch (Exception ex) when (ex is UnavailableException or ZooKeeperException or ZooKeeperBackendException)
            {
                if (client is not null)
                {
                    client.Watched -= handler;
                    await client.DisposeAsync().ConfigureAwait(false);
                }

                LogRenewFailed(_logger, ex.Message);
                await Task.Delay(pause, _disposed.Token).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, pause.Ticks * 2));
            }
        }
    }

    private Action<WatchedEvent> Subscribe(ZooKeeperClient client)
    {
        void Handler(WatchedEvent e)
        {
            if (!ReferenceEquals(client, Volatile.Read(ref _client)))
            {
                return; // a session being opened or already replaced
            }

            if (e.Kind == WatchEventKind.None)
            {
                if (e.State == ZooKeeperState.Connected)
                {
                    Interlocked.Exchange(ref _downSince, 0);
                }
                else if (e.State is ZooKeeperState.Disconnected or ZooKeeperState.Expired)
                {
                    Interlocked.CompareExchange(ref _downSince, Math.Max(1, Environment.TickCount64), 0);
                    Action[] callbacks;
                    lock (_gate)
                    {
                        callbacks = [.. _onDown];
                    }

                    foreach (var callback in callbacks)
                    {
                        callback();
                    }
                }
            }

            Watched?.Invoke(e);
            if (e.Kind == WatchEventKind.None && e.State == ZooKeeperState.Expired)
            {
                Expired(client);
            }
        }

        client.Watched += Handler;
        return Handler;
    }

    private static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperKeyspaceOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var auth = new List<ZooKeeperAuth>();
        if (ParseDigest(options) is var (user, password))
        {
            auth.Add(ZooKeeperAuth.Digest(user, password));
        }

        try
        {
            return await ZooKeeperClient.ConnectAsync(
                new ZooKeeperClientOptions
                {
                    ConnectString = options.ConnectString,
                    SessionTimeout = options.SessionTimeout,
                    ConnectTimeout = options.ConnectTimeout,
                    Auth = auth,
                    Tls = options.Tls,
                    Logger = logger,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ZooKeeperConnectException ex) when (ex.IsTransient)
        {
            throw new UnavailableException(ex.Message, ex);
        }
        catch (ZooKeeperConnectException ex)
        {
            throw new ZooKeeperBackendException(ex.Message, ex);
        }
        catch (ArgumentException ex)
        {
            throw new ZooKeeperBackendException($"ZooKeeper connect string '{options.ConnectString}': {ex.Message}", ex);
        }
    }

    private sealed class Registration(ZooKeeperConnection connection, Action callback) : IDisposable
    {
        public void Dispose()
        {
            lock (connection._gate)
            {
                connection._onDown.Remove(callback);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ZooKeeper session 0x{SessionId:x} expired; opening a new one")]
    private static partial void LogExpired(ILogger logger, long sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "ZooKeeper session 0x{SessionId:x} opened after an expiry")]
    private static partial void LogRenewed(ILogger logger, long sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open a new ZooKeeper session ({Reason}); trying again")]
    private static partial void LogRenewFailed(ILogger logger, string reason);
}

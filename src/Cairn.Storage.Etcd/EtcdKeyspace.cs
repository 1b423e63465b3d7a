using System.Net.Security;
using Cairn.Core;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Etcd;

/// <summary>
/// The keyspace on an etcd v3 cluster, mapped 1:1: revisions, leases and watches are etcd's own, so several Cairn
/// nodes pointed at one cluster share one keyspace.
/// </summary>
/// <remarks>
/// <para>etcd's limits apply (its defaults; a cluster may be configured otherwise): a request, value included, of at
/// most 1.5 MiB (<c>--max-request-bytes</c>; larger fails with <see cref="LimitExceededException"/> "request"); at most
/// 128 ops per txn branch and 128 compares (<c>--max-txn-ops</c>; more fails with <see cref="LimitExceededException"/>
/// "txn"); a minimum lease TTL of 1.5 × the election timeout rounded up to whole seconds (2 s with the default 1 s
/// election timeout): a shorter lease is granted with that minimum, and the grant reports what etcd granted.</para>
/// <para>etcd 3.4 does not report its compaction point in Status; it is found as etcd's clients find it, from the
/// <c>compact_revision</c> of a watch canceled because its start revision was compacted, and cached.</para>
/// <para>Every request has a deadline of <see cref="EtcdKeyspaceOptions.RequestTimeout"/>; a cluster that does not answer
/// in time, or cannot be reached, fails the request with <see cref="UnavailableException"/>. The connection is
/// re-established by itself once the cluster is back.</para>
/// </remarks>
public sealed partial class EtcdKeyspace : IKeyspace
{
    /// <summary>The backend's name in status reports.</summary>
    public const string BackendName = "etcd";

    private readonly EtcdKeyspaceOptions _options;
    private readonly EtcdPrefix _prefix;
    private readonly SslClientAuthenticationOptions _ssl;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly Lease.LeaseClient _lease;
    private readonly Maintenance.MaintenanceClient _maintenance;
    private readonly Auth.AuthClient _auth;
    private readonly CancellationTokenSource _closing = new();
    private long _compactRevision;
    private int _disposed;

    private EtcdKeyspace(EtcdKeyspaceOptions options, EtcdPrefix prefix, ILogger? logger)
    {
        _options = options;
        _prefix = prefix;
        _logger = logger ?? NullLogger.Instance;
        _ssl = EtcdTls.ClientOptions(options);
        _channel = CreateChannel(options, _ssl);
        _kv = new KV.KVClient(_channel);
        _watch = new Watch.WatchClient(_channel);
        _lease = new Lease.LeaseClient(_channel);
        _maintenance = new Maintenance.MaintenanceClient(_channel);
        _auth = new Auth.AuthClient(_channel);
    }

    /// <summary>Connects to the cluster and checks that it answers.</summary>
    /// <exception cref="UnavailableException">No endpoint answered within <see cref="EtcdKeyspaceOptions.RequestTimeout"/>.</exception>
    /// <exception cref="InvalidArgumentException">The options are unusable (a TLS file missing or unreadable), TLS failed (etcd's
    /// certificate is not from the CA file, or etcd refused the client certificate), or etcd refused the user name and password.</exception>
    public static async Task<EtcdKeyspace> ConnectAsync(EtcdKeyspaceOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints is not { Count: > 0 } || options.Endpoints.Any(e => !Uri.TryCreate(e, UriKind.Absolute, out _)))
        {
            throw new InvalidArgumentException("etcd endpoints must be absolute URLs such as http://127.0.0.1:2379.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new InvalidArgumentException("The etcd request timeout must be positive.");
        }

        var prefix = EtcdPrefix.Create(options.Prefix);
        var store = new EtcdKeyspace(options, prefix, logger);
        try
        {
            await store.AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            var status = await store.CallAsync(o => store._maintenance.StatusAsync(new StatusRequest(), o), default, cancellationToken).ConfigureAwait(false);

            // A count of every key of the namespace: etcd checks that the user may read all of it, as the store needs,
            // now rather than at the first request.
            var all = new Etcdserverpb.RangeRequest { Key = prefix.All.Key, RangeEnd = prefix.All.End, CountOnly = true };
            await store.CallAsync(o => store._kv.RangeAsync(all, o), default, cancellationToken).ConfigureAwait(false);
            LogConnected(store._logger, status.Version);
            return store;
        }
        catch (Exception ex)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            // TLS that fails is not a cluster that is down: waiting would not help, so it is not "unavailable".
            if (ex is UnavailableException && await EtcdTls.DiagnoseAsync(options, store._ssl, cancellationToken).ConfigureAwait(false) is { } tls)
            {
                throw new InvalidArgumentException($"etcd at {string.Join(", ", options.Endpoints)}: {tls}");
            }

            if (ex is UnavailableException)
            {
                throw new UnavailableException($"etcd at {string.Join(", ", options.Endpoints)} did not answer: {ex.Message}", ex);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            if (revision <= 0)
            {
                throw new InvalidArgumentException($"Compaction revision must be positive; got {revision}.");
            }

            // Physical: answer once etcd has really compacted, so that what follows sees the new point everywhere.
            var request = new CompactionRequest { Revision = revision, Physical = true };
            var response = await CallAsync(o => _kv.CompactAsync(request, o), new RequestFacts(Revision: revision), cancellationToken).ConfigureAwait(false);
            NoteCompactRevision(revision);
            return new CompactResult(response.Header.Revision, revision);
        });

    /// <inheritdoc />
    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            // Only Cairn's keys count: with a prefix, the rest of etcd belongs to others.
            var all = new Etcdserverpb.RangeRequest { Key = _prefix.All.Key, RangeEnd = _prefix.All.End, CountOnly = true };
            var count = CallAsync(o => _kv.RangeAsync(all, o), default, cancellationToken);
            var status = CallAsync(o => _maintenance.StatusAsync(new StatusRequest(), o), default, cancellationToken);
            var compact = CompactRevisionAsync(cancellationToken);
            await Task.WhenAll(count, status, compact).ConfigureAwait(false);
            var counted = await count.ConfigureAwait(false);
            return new StoreStatus(counted.Header.Revision, await compact.ConfigureAwait(false), counted.Count, (await status.ConfigureAwait(false)).DbSize, BackendName);
        });

    /// <summary>Closes the connection; open watches end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // _closing is cancelled, not disposed: a watch or look-up racing with this may still link to its token.
        await _closing.CancelAsync().ConfigureAwait(false);
        _channel.Dispose();
    }

    // Runs one unary call with the deadline, the auth token and the error map; authenticates again once when etcd no
    // longer takes the token (it expired, etcd forgot it, or users or roles changed since it was handed out).
    private async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, RequestFacts facts, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        for (var attempt = 0; ; attempt++)
        {
            var token = _token;
            try
            {
                return await call(CallOptions(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (attempt == 0 && _options.Username is not null && EtcdErrors.IsTokenRefused(ex))
            {
                await RenewTokenAsync(token, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw await TranslateAsync(ex, facts, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private CallOptions CallOptions(CancellationToken cancellationToken, bool deadline = true) =>
        new(_token, deadline ? DateTime.UtcNow + _options.RequestTimeout : null, cancellationToken);

    // The errors that need a look-up get it here: the compaction point, or the current revision.
    private async Task<Exception> TranslateAsync(RpcException ex, RequestFacts facts, CancellationToken cancellationToken)
    {
        try
        {
            if (EtcdErrors.IsCompacted(ex))
            {
                return new CompactedException(facts.Revision, await FindCompactRevisionAsync(cancellationToken).ConfigureAwait(false));
            }

            if (EtcdErrors.IsFutureRevision(ex))
            {
                return new FutureRevisionException(facts.Revision, await CurrentRevisionAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (CairnException)
        {
            // The look-up failed too (etcd went away in between): report the error without the number.
            return EtcdErrors.IsCompacted(ex)
                ? new CompactedException(facts.Revision, Volatile.Read(ref _compactRevision))
                : new FutureRevisionException(facts.Revision, 0);
        }

        return EtcdErrors.Map(ex, facts, cancellationToken, _prefix.Text);
    }

    private async Task<long> CurrentRevisionAsync(CancellationToken cancellationToken)
    {
        var probe = new Etcdserverpb.RangeRequest { Key = _prefix.Probe, CountOnly = true };
        return (await CallAsync(o => _kv.RangeAsync(probe, o), default, cancellationToken).ConfigureAwait(false)).Header.Revision;
    }

    // The cached compaction point, checked cheaply: a read at it works unless another client compacted further, and
    // only then is the new point looked up.
    private async Task<long> CompactRevisionAsync(CancellationToken cancellationToken)
    {
        var known = Volatile.Read(ref _compactRevision);
        var probe = new Etcdserverpb.RangeRequest { Key = _prefix.Probe, CountOnly = true, Revision = Math.Max(known, 1) };
        try
        {
            await CallAsync(o => _kv.RangeAsync(probe, o), new RequestFacts(Revision: probe.Revision), cancellationToken).ConfigureAwait(false);
            return known;
        }
        catch (CompactedException ex)
        {
            return ex.CompactRevision;
        }
    }

    // etcd 3.4 tells the compaction point only to a watcher whose start revision is below it: the watch is canceled
    // with compact_revision set (etcd's own clients learn it the same way).
    private async Task<long> FindCompactRevisionAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        deadline.CancelAfter(_options.RequestTimeout);
        try
        {
            using var call = _watch.Watch(CallOptions(deadline.Token, deadline: false));
            await call.RequestStream.WriteAsync(new Etcdserverpb.WatchRequest
            {
                CreateRequest = new WatchCreateRequest { Key = _prefix.Probe, StartRevision = 1 },
            }, deadline.Token).ConfigureAwait(false);
            while (await call.ResponseStream.MoveNext(deadline.Token).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                if (response.Canceled)
                {
                    return NoteCompactRevision(response.CompactRevision);
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogCompactProbeFailed(_logger, ex);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Volatile.Read(ref _compactRevision);
    }

    private long NoteCompactRevision(long revision)
    {
        long known;
        while ((known = Volatile.Read(ref _compactRevision)) < revision)
        {
            if (Interlocked.CompareExchange(ref _compactRevision, revision, known) == known)
            {
                break;
            }
        }

        return Math.Max(known, revision);
    }

    private static GrpcChannel CreateChannel(EtcdKeyspaceOptions options, SslClientAuthenticationOptions ssl)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            SslOptions = ssl,
        };

        var secure = options.Endpoints.Any(e => e.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,

            // Reconnect soon after an outage: the default backoff grows to two minutes.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
            Credentials = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
        };
        if (options.Endpoints.Count == 1)
        {
            return GrpcChannel.ForAddress(options.Endpoints[0], channelOptions);
        }

        // Several members: pick the first that answers and move on when it fails.
        var addresses = options.Endpoints.Select(e => new Uri(e)).Select(u => new BalancerAddress(u.Host, u.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        channelOptions.ServiceProvider = services.BuildServiceProvider();
        channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
        return GrpcChannel.ForAddress("static:///etcd", channelOptions);
    }

    // Errors of validation surface as a faulted task, never as a synchronous throw from an async-looking method.
    private static ValueTask<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return new ValueTask<T>(operation());
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<T>(ex);
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new UnavailableException("The store is closed.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to etcd {Version}")]
    private static partial void LogConnected(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not learn etcd's compaction point; reporting the last known one")]
    private static partial void LogCompactProbeFailed(ILogger logger, Exception exception);
}

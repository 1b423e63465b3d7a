using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Coordination;

/// <summary>
/// Keeps this node's registration, <c>/cairn/nodes/&lt;nodeId&gt;</c>, alive under a lease of its own: renewed every
/// TTL/3, and registered again (new lease, same key) whenever the lease is lost, e.g. after the store was unreachable
/// for longer than the TTL. Other parts of the node (the leader election) hang their keys on the same lease, so that
/// everything the node holds goes when the node does.
/// </summary>
/// <remarks>Concurrency: the members are safe to call from any thread; one background loop does the work.</remarks>
public sealed partial class NodeRegistration : IAsyncDisposable
{
    private readonly IKeyspace _store;
    private readonly NodeRecordDto _record;
    private readonly long _ttlSeconds;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private TaskCompletionSource<long> _lease = NewLeaseSource();
    private Task _loop = Task.CompletedTask;

    /// <summary>Prepares the registration of <paramref name="record"/>; nothing happens until <see cref="StartAsync"/>.</summary>
    public NodeRegistration(IKeyspace store, NodeRecordDto record, long ttlSeconds, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(record);
        Leases.ValidateTtl(ttlSeconds);
        _store = store;
        _record = record;
        _ttlSeconds = ttlSeconds;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Key = ClusterKeys.NodesPrefix + record.NodeId;
    }

    /// <summary>The registration key.</summary>
    public string Key { get; }

    /// <summary>The node's current lease; 0 while it is not registered.</summary>
    public long LeaseId
    {
        get
        {
            lock (_gate)
            {
                return _lease.Task.IsCompletedSuccessfully ? _lease.Task.Result : 0;
            }
        }
    }

    /// <summary>Registers once (an unreachable store is logged, not thrown: the loop keeps trying), then keeps the
    /// registration alive in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RegisterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            // Unreachable, or out of space: the loop keeps trying.
            LogRegisterFailed(_logger, Key, ex.Message);
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Waits until the node is registered and returns its lease.</summary>
    public Task<long> WaitForLeaseAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _lease.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops renewing without revoking: the registration stays until its TTL runs out, as after a crash.</summary>
    public async Task AbandonAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Stops renewing and revokes the lease, so the node leaves the cluster now (best effort: an unreachable
    /// store lets the lease expire by itself).</summary>
    public async ValueTask DisposeAsync()
    {
        await AbandonAsync().ConfigureAwait(false);
        var lease = LeaseId;
        if (lease != 0)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _store.RevokeLeaseAsync(lease, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CairnException or OperationCanceledException)
            {
                LogRevokeFailed(_logger, Key, ex.Message);
            }
        }

        _stop.Dispose();
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var grant = await _store.GrantLeaseAsync(_ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var value = JsonSerializer.SerializeToUtf8Bytes(_record, WireJson.Options);
            await _store.PutAsync(new PutRequest(Key, value) { Lease = grant.Id }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await TryRevokeAsync(grant.Id).ConfigureAwait(false);
            throw;
        }

        lock (_gate)
        {
            if (!_lease.TrySetResult(grant.Id))
            {
                _lease = NewLeaseSource();
                _lease.SetResult(grant.Id);
            }
        }

        LogRegistered(_logger, Key, grant.Id, _ttlSeconds);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(_ttlSeconds / 3.0);
        var retry = new Backoff(TimeSpan.FromMilliseconds(200), period);
        while (!cancellationToken.IsCancellationRequested)
        {
            var lease = LeaseId;
            try
            {
                await Task.Delay(lease == 0 ? retry.Next() : period, _time, cancellationToken).ConfigureAwait(false);
                if (lease == 0)
                {
                    await RegisterAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _store.KeepAliveLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
                }

                retry.Reset();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (LeaseNotFoundException)
            {
                LogLeaseLost(_logger, Key, lease);
                lock (_gate)
                {
                    if (_lease.Task.IsCompleted)
                    {
                        _lease = NewLeaseSource();
                    }
                }
            }
            catch (Exception ex) when (ex is CairnException { IsTransient: true } or OperationCanceledException or TimeoutException)
            {
                // The lease may outlive a short outage; the next renewal (or its LeaseNotFound) tells.
                LogRenewFailed(_logger, Key, ex.Message);
            }
        }
    }

    private async Task TryRevokeAsync(long lease)
    {
        try
        {
            await _store.RevokeLeaseAsync(lease).ConfigureAwait(false);
        }
        catch (CairnException)
        {
            // It expires by itself.
        }
    }

    private static TaskCompletionSource<long> NewLeaseSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Key} under lease {Lease} (TTL {Ttl} s)")]
    private static partial void LogRegistered(ILogger logger, string key, long lease, long ttl);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot register {Key}: {Reason}; retrying")]
    private static partial void LogRegisterFailed(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease {Lease} of {Key} is gone (expired while the store was out of reach?); registering again")]
    private static partial void LogLeaseLost(ILogger logger, string key, long lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot renew the registration {Key}: {Reason}; retrying")]
    private static partial void LogRenewFailed(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot revoke the lease of {Key} on shutdown ({Reason}); it expires by itself")]
    private static partial void LogRevokeFailed(ILogger logger, string key, string reason);
}

using System.Text;
using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Coordination;

/// <summary>
/// Leader election on the keyspace. A candidate campaigns with a create-if-absent txn on <see cref="ClusterKeys.Leader"/>,
/// putting its id under its node lease; whoever created the key leads. The others watch the key and campaign again when
/// it is deleted: by <see cref="ResignAsync"/>, or by the store when the leader's lease expires (the leader died or lost
/// the store for longer than its TTL).
/// </summary>
/// <remarks>
/// <para>A leader that cannot reach the store steps down at once rather than assume it still leads: its key may
/// already have expired and another node taken over. It leads again when it finds its own key (same lease) still there.</para>
/// <para>Concurrency: safe to use from any thread; one background loop campaigns and raises the events.</para>
/// </remarks>
public sealed partial class LeaderElection : ILeaderElection, IAsyncDisposable
{
    private readonly IKeyspace _store;
    private readonly Func<CancellationToken, Task<long>> _lease;
    private readonly ILogger _logger;
    private readonly string _key;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _campaigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private volatile bool _isLeader;
    private long _leaderRevision;
    private long _leaderLease;

    /// <summary>Prepares a candidate; nothing happens until <see cref="Start"/>.</summary>
    /// <param name="store">The keyspace.</param>
    /// <param name="candidateId">This candidate's id (the node id), written as the leader key's value.</param>
    /// <param name="lease">Gives the lease to campaign with, waiting until there is one (the node's registration lease).</param>
    /// <param name="logger">Where to log leadership changes.</param>
    /// <param name="key">The leader key; <see cref="ClusterKeys.Leader"/> by default.</param>
    public LeaderElection(IKeyspace store, string candidateId, Func<CancellationToken, Task<long>> lease, ILogger? logger = null, string key = ClusterKeys.Leader)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(candidateId);
        ArgumentNullException.ThrowIfNull(lease);
        _store = store;
        CandidateId = candidateId;
        _lease = lease;
        _logger = logger ?? NullLogger.Instance;
        _key = key;
    }

    /// <inheritdoc />
    public string CandidateId { get; }

    /// <inheritdoc />
    public bool IsLeader => _isLeader;

    /// <inheritdoc />
    public event EventHandler<bool>? LeadershipChanged;

    /// <summary>Completes once the first campaign has an outcome — this candidate leads, another does, or the store did
    /// not answer — or campaigning stops; until then, that no leader is known says nothing yet.</summary>
    public Task Campaigned => _campaigned.Task;

    /// <summary>Starts campaigning in the background.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

    /// <summary>Stops campaigning and, if leading, deletes the leader key so that another candidate takes over now.</summary>
    public async Task ResignAsync(CancellationToken cancellationToken = default)
    {
        var revision = Interlocked.Read(ref _leaderRevision);
        var lease = Interlocked.Read(ref _leaderLease);
        await AbandonAsync().ConfigureAwait(false);
        if (revision == 0)
        {
            return;
        }

        // Only our own key: if it expired and someone else leads now, leave theirs alone.
        var ours = new TxnRequest(
            [Compare.CreateRevision(_key, CompareResult.Equal, revision), Compare.Lease(_key, CompareResult.Equal, lease)],
            [new DeleteRequest(KeyRange.Single(_key))],
            []);
        try
        {
            await _store.TxnAsync(ours, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CairnException or OperationCanceledException)
        {
            LogResignFailed(_logger, CandidateId, ex.Message);
        }
    }

    /// <summary>Stops campaigning and steps down locally, leaving the leader key to expire with the node's lease.</summary>
    public async Task AbandonAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
        SetLeader(false);
    }

    /// <summary>Resigns (see <see cref="ResignAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await ResignAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var watchFrom = await CampaignAsync(cancellationToken).ConfigureAwait(false);
                _campaigned.TrySetResult();
                retry.Reset();
                await WaitForDeleteAsync(watchFrom, cancellationToken).ConfigureAwait(false);
                SetLeader(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _campaigned.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is CairnException or OperationCanceledException or TimeoutException)
            {
                // Unreachable store, or history compacted under the watch: campaign again after a pause.
                SetLeader(false);
                _campaigned.TrySetResult();
                LogCampaignFailed(_logger, CandidateId, ex.Message);
                try
                {
                    await Task.Delay(retry.Next(), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        _campaigned.TrySetResult();
    }

    // Returns the revision to watch the leader key from.
    private async Task<long> CampaignAsync(CancellationToken cancellationToken)
    {
        var lease = await _lease(cancellationToken).ConfigureAwait(false);
        var campaign = new TxnRequest(
            [Compare.CreateRevision(_key, CompareResult.Equal, 0)],
            [new PutRequest(_key, Encoding.UTF8.GetBytes(CandidateId)) { Lease = lease }],
            [new RangeRequest(KeyRange.Single(_key))]);
        var result = await _store.TxnAsync(campaign, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            Interlocked.Exchange(ref _leaderLease, lease);
            Interlocked.Exchange(ref _leaderRevision, result.Revision);
            SetLeader(true);
            return result.Revision + 1;
        }

        var holder = ((RangeResult)result.Results[0]).Kvs.SingleOrDefault();
        if (holder is null)
        {
            return result.Revision + 1; // deleted between compare and read cannot happen in one txn; be safe anyway
        }

        // Our own key, from before an outage, still alive under the same lease: we still lead.
        var ours = holder.Lease == lease && Encoding.UTF8.GetString(holder.Value.Span) == CandidateId;
        if (ours)
        {
            Interlocked.Exchange(ref _leaderLease, lease);
            Interlocked.Exchange(ref _leaderRevision, holder.CreateRevision);
        }

        SetLeader(ours);
        return result.Revision + 1;
    }

    private async Task WaitForDeleteAsync(long fromRevision, CancellationToken cancellationToken)
    {
        var request = new WatchRequest(KeyRange.Single(_key)) { StartRevision = fromRevision };
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (response.Events.Any(e => e.Type == WatchEventType.Delete))
            {
                return;
            }
        }

        // A watch ends only when cancelled; if a backend ends it otherwise, campaign again.
    }

    private void SetLeader(bool value)
    {
        if (_isLeader == value)
        {
            return;
        }

        _isLeader = value;
        if (!value)
        {
            Interlocked.Exchange(ref _leaderRevision, 0);
        }

        LogLeadership(_logger, CandidateId, value ? "is now the leader" : "is no longer the leader");
        LeadershipChanged?.Invoke(this, value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} {Change}")]
    private static partial void LogLeadership(ILogger logger, string nodeId, string change);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election of {NodeId} interrupted: {Reason}; campaigning again")]
    private static partial void LogCampaignFailed(ILogger logger, string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} could not delete its leader key on resigning ({Reason}); it expires with the node's lease")]
    private static partial void LogResignFailed(ILogger logger, string nodeId, string reason);
}

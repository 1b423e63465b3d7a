using System.Collections.Concurrent;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    private const long MaxGeneratedLeaseId = 1L << 53;

    private readonly ConcurrentDictionary<long, LeaseState> _leases = new();

    /// <inheritdoc />
    public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            Leases.ValidateTtl(ttlSeconds);
            Leases.ValidateId(id);
            return EnqueueAsync(batch => ApplyGrant(batch, ttlSeconds, id), cancellationToken);
        });

    /// <inheritdoc />
    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ThrowIfDisposed();
            // Renewed only if not expired, atomically: once the sweeper has claimed an expired lease, no keep-alive
            // succeeds on it (it would answer for a lease about to be deleted).
            if (!_leases.TryGetValue(id, out var lease) || !lease.TryRenew(_time.GetTimestamp()))
            {
                throw new LeaseNotFoundException(id);
            }

            return ValueTask.FromResult(new LeaseInfo(id, lease.TtlSeconds, lease.TtlSeconds, []));
        });

    /// <inheritdoc />
    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Run(async () => (long)await EnqueueAsync<object>(batch => ApplyRevoke(batch, id, onlyIfExpired: false), cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetTimestamp();
            if (!_leases.TryGetValue(id, out var lease) || lease.IsExpired(now))
            {
                return ValueTask.FromResult<LeaseInfo?>(null);
            }

            IReadOnlyList<string> keys = includeKeys ? Read(session => LeaseKeys(session, id).Select(kv => kv.Key).ToList()) : [];
            return ValueTask.FromResult<LeaseInfo?>(new LeaseInfo(id, lease.TtlSeconds, lease.RemainingSeconds(now), keys));
        });

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ThrowIfDisposed();
            var now = _time.GetTimestamp();
            IReadOnlyList<LeaseInfo> leases = _leases.Values
                .Where(l => !l.IsExpired(now))
                .OrderBy(l => l.Id)
                .Select(l => new LeaseInfo(l.Id, l.TtlSeconds, l.RemainingSeconds(now), []))
                .ToList();
            return ValueTask.FromResult(leases);
        });

    private void LoadLeases()
    {
        // A restart renews every lease to its full TTL: a client could not keep it alive while the server was down.
        var now = _time.GetTimestamp();
        using var reader = _writer.Command("SELECT id, ttl FROM leases").ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            var ttl = reader.GetInt64(1);
            _leases[id] = new LeaseState(id, ttl, _time.TimestampFrequency, now);
        }
    }

    private LeaseGrant ApplyGrant(WriteBatch batch, long ttlSeconds, long id)
    {
        var session = batch.Session;
        if (id == 0)
        {
            // Random ids, as etcd: a client that lost track of its lease cannot guess another client's. Below 2^53 so
            // that JSON clients which read numbers as doubles (JavaScript) keep them exact.
            do
            {
                id = Random.Shared.NextInt64(1, MaxGeneratedLeaseId);
            }
            while (LeaseExists(session, id));
        }
        else if (LeaseExists(session, id))
        {
            throw new InvalidArgumentException($"Lease {id} already exists; choose another id or let the store choose (0).");
        }

        var insert = session.Command("INSERT INTO leases (id, ttl, granted_rev) VALUES (@p0, @p1, @p2)");
        insert.Parameters["@p0"].Value = id;
        insert.Parameters["@p1"].Value = ttlSeconds;
        insert.Parameters["@p2"].Value = batch.Revision;
        insert.ExecuteNonQuery();

        // The clock starts when the grant is durable, not when it was queued.
        batch.AfterCommit.Add(() => _leases[id] = new LeaseState(id, ttlSeconds, _time.TimestampFrequency, _time.GetTimestamp()));
        return new LeaseGrant(id, ttlSeconds, batch.Revision);
    }

    // Deletes the lease and its keys in one revision. The sweeper passes onlyIfExpired: a keep-alive that arrived
    // after it decided, but before this runs, wins; from here on none can (TryEnd), so a keep-alive never reports a
    // lease alive that this then deletes.
    private long ApplyRevoke(WriteBatch batch, long id, bool onlyIfExpired)
    {
        var session = batch.Session;
        if (!LeaseExists(session, id))
        {
            return onlyIfExpired ? batch.Revision : throw new LeaseNotFoundException(id);
        }

        if (onlyIfExpired && _leases.TryGetValue(id, out var state) && !state.TryEnd(_time.GetTimestamp()))
        {
            return batch.Revision;
        }

        var revision = DeleteKeys(batch, LeaseKeys(session, id));
        var delete = session.Command("DELETE FROM leases WHERE id = @p0");
        delete.Parameters["@p0"].Value = id;
        delete.ExecuteNonQuery();
        batch.AfterCommit.Add(() => _leases.TryRemove(id, out _));
        return revision;
    }

    private static List<KeyValue> LeaseKeys(SqliteSession session, long id)
    {
        var command = session.Command("SELECT key, value, create_rev, mod_rev, version, lease FROM kv WHERE lease = @p0 ORDER BY key");
        command.Parameters["@p0"].Value = id;
        var keys = new List<KeyValue>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(new KeyValue(System.Text.Encoding.UTF8.GetString((byte[])reader.GetValue(0)), (byte[])reader.GetValue(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return keys;
    }

    // The leases table, not the in-memory clocks: a lease granted earlier in the same batch is not in memory yet.
    private static bool LeaseExists(SqliteSession session, long id)
    {
        var exists = session.Command("SELECT count(*) FROM leases WHERE id = @p0");
        exists.Parameters["@p0"].Value = id;
        return (long)exists.ExecuteScalar()! != 0;
    }

    private void RequireLease(SqliteSession session, long id)
    {
        if (!LeaseExists(session, id) || (_leases.TryGetValue(id, out var state) && state.IsExpired(_time.GetTimestamp())))
        {
            throw new LeaseNotFoundException(id);
        }
    }

    private async Task SweepLeasesAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.LeaseSweepInterval, _time, cancellationToken).ConfigureAwait(false);
                var now = _time.GetTimestamp();
                foreach (var lease in _leases.Values)
                {
                    if (lease.IsExpired(now))
                    {
                        var id = lease.Id;
                        await EnqueueAsync<object>(batch => ApplyRevoke(batch, id, onlyIfExpired: true), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CairnException ex)
            {
                // The store is failing or closing; the next sweep tries again.
                LogSweepFailed(_logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiring leases failed; will retry")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

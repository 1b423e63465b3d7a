using System.Runtime.CompilerServices;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Leader election on the keyspace (etcd's <c>concurrency.Election</c>): candidates are keys under their sessions'
/// leases, <c>/cairn/elections/&lt;name&gt;/&lt;id&gt;</c>; the one with the lowest create revision leads, and each other
/// waits on the candidate just before it only. The leader's create revision is its fencing token.
/// </summary>
/// <remarks>
/// <para>A leader leads until its key goes (it resigns, or its session ends); no candidate created later can come
/// before it, so a write guarded by <c>CreateRevision(key) == token</c> succeeds only while it leads.</para>
/// <para>Concurrency: safe from any thread; every step that races is one transaction.</para>
/// </remarks>
public sealed class ElectionStore(IKeyspace store)
{
    /// <summary>Largest proclaimed value, in UTF-8 bytes.</summary>
    public const int MaxValueBytes = 64 * 1024;

    private readonly IKeyspace _store = store;

    /// <summary>Where elections live.</summary>
    public const string Prefix = "/cairn/elections/";

    /// <summary>Campaigns and waits until leading; null when <see cref="CampaignDto.WaitSeconds"/> ran out (the candidacy
    /// is withdrawn).</summary>
    /// <exception cref="LeaseNotFoundException">The session is gone.</exception>
    public async Task<LeaderDto?> CampaignAsync(string name, CampaignDto request, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("election name", name);
        ArgumentNullException.ThrowIfNull(request);
        RecipeSupport.CheckLease(request.Lease);
        var wait = RecipeSupport.CheckWaitSeconds(request.WaitSeconds);
        var value = CheckValue(request.Value);

        var prefix = NamePrefix(name);
        var (own, queue, revision) = await RecipeSupport.JoinAsync(_store, prefix, request.Lease, value, cancellationToken).ConfigureAwait(false);
        using var scope = new RecipeSupport.WaitScope(wait, cancellationToken);
        try
        {
            while (true)
            {
                var me = queue.FindIndex(kv => kv.Key == own.Key && kv.CreateRevision == own.CreateRevision);
                if (me < 0)
                {
                    throw await RecipeSupport.VanishedAsync(_store, request.Lease, "candidacy", scope.Token).ConfigureAwait(false);
                }

                if (me == 0)
                {
                    return ToLeader(name, queue[0], queue[0].ModRevision);
                }

                if (scope.OnlyTry)
                {
                    await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
                    return null;
                }

                await RecipeSupport.WaitForChangeAsync(_store, KeyRange.Single(queue[me - 1].Key), revision + 1, null, scope.Token).ConfigureAwait(false);
                (queue, revision) = await RecipeSupport.ReadQueueAsync(_store, prefix, scope.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
            return null;
        }
        catch
        {
            // Cancelled or failed: the candidacy is withdrawn.
            await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sets the leader's value, only while it still leads.</summary>
    /// <exception cref="ConflictException">It no longer leads.</exception>
    public async Task<LeaderDto> ProclaimAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("election name", name);
        ArgumentNullException.ThrowIfNull(leadership);
        LockStore.CheckKey(NamePrefix(name), leadership.Key, leadership.Token);
        var value = CheckValue(leadership.Value ?? "");

        // Leading = first in the queue. Nobody can queue before a key once it exists, so what the read shows stays true
        // for as long as the key does — which the write's compare checks.
        var (queue, _) = await RecipeSupport.ReadQueueAsync(_store, NamePrefix(name), cancellationToken).ConfigureAwait(false);
        if (queue.Count == 0 || queue[0].Key != leadership.Key || queue[0].CreateRevision != leadership.Token)
        {
            throw NotLeading(name, leadership);
        }

        var txn = new TxnRequest(
            [Compare.CreateRevision(leadership.Key, CompareResult.Equal, leadership.Token)],
            [new PutRequest(leadership.Key, value) { Lease = queue[0].Lease }],
            []);
        var result = await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw NotLeading(name, leadership);
        }

        return new LeaderDto
        {
            Name = name,
            Key = leadership.Key,
            Token = leadership.Token,
            Lease = queue[0].Lease,
            Value = leadership.Value ?? "",
            Revision = result.Revision,
        };
    }

    /// <summary>Resigns (or withdraws a candidacy); false when it was not there.</summary>
    public async Task<bool> ResignAsync(string name, LeadershipDto leadership, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("election name", name);
        ArgumentNullException.ThrowIfNull(leadership);
        LockStore.CheckKey(NamePrefix(name), leadership.Key, leadership.Token);
        var txn = new TxnRequest(
            [Compare.CreateRevision(leadership.Key, CompareResult.Equal, leadership.Token)],
            [new DeleteRequest(KeyRange.Single(leadership.Key))],
            []);
        return (await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    /// <summary>The current leader, or null.</summary>
    public async Task<LeaderDto?> LeaderAsync(string name, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("election name", name);
        var (queue, _) = await RecipeSupport.ReadQueueAsync(_store, NamePrefix(name), cancellationToken).ConfigureAwait(false);
        return queue.Count == 0 ? null : ToLeader(name, queue[0], queue[0].ModRevision);
    }

    /// <summary>The leader now (if any), then each change of leader or value, in revision order, until cancelled.</summary>
    /// <remarks>A change is reported with the revision that made it. If the history the observation needs is compacted
    /// away, it carries on from the present: the leader then, if it changed.</remarks>
    public IAsyncEnumerable<LeaderDto> ObserveAsync(string name, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("election name", name);
        return ObserveCoreAsync(name, cancellationToken);
    }

    private async IAsyncEnumerable<LeaderDto> ObserveCoreAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = NamePrefix(name);
        KeyValue? shown = null;
        while (true)
        {
            // The candidates by key; the leader is the one created first.
            var (queue, revision) = await RecipeSupport.ReadQueueAsync(_store, prefix, cancellationToken).ConfigureAwait(false);
            var candidates = queue.ToDictionary(kv => kv.Key, StringComparer.Ordinal);
            var leader = queue.FirstOrDefault();
            if (leader is not null && !Same(leader, shown))
            {
                shown = leader;
                yield return ToLeader(name, leader, leader.ModRevision);
            }

            var watch = _store.WatchAsync(new WatchRequest(KeyRange.Prefix(prefix)) { StartRevision = revision + 1 }, cancellationToken);
            await using var changes = watch.WithCancellation(cancellationToken).ConfigureAwait(false).GetAsyncEnumerator();
            while (true)
            {
                try
                {
                    if (!await changes.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (CompactedException)
                {
                    break; // read the present again
                }

                var response = changes.Current;
                foreach (var e in response.Events)
                {
                    if (e.Type == WatchEventType.Put)
                    {
                        candidates[e.Kv.Key] = e.Kv;
                    }
                    else
                    {
                        candidates.Remove(e.Kv.Key);
                    }
                }

                leader = candidates.Count == 0 ? null : candidates.Values.MinBy(kv => kv.CreateRevision);
                if (leader is not null && !Same(leader, shown))
                {
                    shown = leader;
                    yield return ToLeader(name, leader, response.Revision);
                }
            }
        }
    }

    private static bool Same(KeyValue a, KeyValue? b) =>
        b is not null && a.Key == b.Key && a.CreateRevision == b.CreateRevision && a.ModRevision == b.ModRevision;

    private static string NamePrefix(string name) => Prefix + name + "/";

    private static byte[] CheckValue(string? value)
    {
        var bytes = Encoding.UTF8.GetBytes(value ?? "");
        if (bytes.Length > MaxValueBytes)
        {
            throw new LimitExceededException("value", bytes.Length, MaxValueBytes);
        }

        return bytes;
    }

    private static ConflictException NotLeading(string name, LeadershipDto leadership) =>
        new($"'{leadership.Key}' (token {leadership.Token}) does not lead the election '{name}' (it resigned, or its session ended).");

    private static LeaderDto ToLeader(string name, KeyValue kv, long revision) => new()
    {
        Name = name,
        Key = kv.Key,
        Token = kv.CreateRevision,
        Lease = kv.Lease,
        Value = Encoding.UTF8.GetString(kv.Value.Span),
        Revision = revision,
    };
}

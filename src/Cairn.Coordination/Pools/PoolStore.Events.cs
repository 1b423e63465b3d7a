using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

public sealed partial class PoolStore
{
    // What a watch that ended without waking counts as: a reason to read again.
    private static readonly WatchResponse EmptyResponse = new(0, []);

    /// <summary>Joins and leaves from <paramref name="fromRevision"/> (0: now), in revision order.</summary>
    /// <remarks>To resume, start again at the last event's revision + 1 (events of one revision — members of one session
    /// ending together — come one after another with that revision).</remarks>
    /// <exception cref="InvalidArgumentException">A bad pool name or a negative revision (thrown at once).</exception>
    /// <exception cref="CompactedException">(While iterating) history from <paramref name="fromRevision"/> is gone.</exception>
    public IAsyncEnumerable<PoolEventDto> WatchAsync(string pool, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        if (fromRevision < 0)
        {
            throw new InvalidArgumentException($"A revision to watch from is 0 (now) or more; got {fromRevision}.");
        }

        return WatchCoreAsync(keys, fromRevision, cancellationToken);
    }

    /// <summary>
    /// The member's loop, as long as the caller iterates: a first <c>buddy</c> event, then each buddy change; when the
    /// buddy (or any member whose items nobody else is left to take) dies, the takeover it made (<c>takeover</c>, the items
    /// now the member's); and, when the member's own session ends, <c>lost</c>, after which the stream ends. Waiting is a
    /// watch on the buddy's key only (the first member also watches for joins, since its buddy is the last).
    /// </summary>
    /// <remarks>Each event's revision is that of the read it was decided on (for <c>takeover</c>, of the last move). The
    /// first pass also takes over what the member is already responsible for (a member that joins after the last one
    /// died is next after it in the circle).</remarks>
    /// <exception cref="InvalidArgumentException">A bad pool name or member id (thrown at once).</exception>
    /// <exception cref="NotFoundException">(On the first MoveNext) the member is not in the pool.</exception>
    public IAsyncEnumerable<PoolEventDto> FollowAsync(string pool, string member, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        return FollowCoreAsync(keys, member, cancellationToken);
    }

    private async IAsyncEnumerable<PoolEventDto> WatchCoreAsync(PoolKeys keys, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new WatchRequest(KeyRange.Prefix(keys.Members)) { StartRevision = fromRevision, ProgressInterval = TimeSpan.Zero };
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            foreach (var change in response.Events)
            {
                var type = change.Type switch
                {
                    WatchEventType.Delete => PoolEventTypes.Left,
                    WatchEventType.Put when change.Kv.Version == 1 => PoolEventTypes.Joined,
                    _ => null,
                };
                if (type is not null)
                {
                    yield return new PoolEventDto { Type = type, Revision = change.Kv.ModRevision, Pool = keys.Pool, Member = keys.MemberId(change.Kv.Key) };
                }
            }
        }
    }

    private async IAsyncEnumerable<PoolEventDto> FollowCoreAsync(PoolKeys keys, string member, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        string? buddy = null;
        var retry = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        while (true)
        {
            // A store that is briefly unreachable pauses the loop rather than ending it: it reads again when it can.
            var snapshot = await TransientlyAsync<PoolSnapshot>(async () => await PoolSnapshot.ReadAsync(_store, keys, cancellationToken).ConfigureAwait(false), retry, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                continue;
            }

            var index = snapshot.IndexOf(member);
            if (index < 0)
            {
                if (first)
                {
                    throw new NotFoundException($"Member '{member}' is not in pool '{keys.Pool}' (it left, or its session ended).");
                }

                yield return new PoolEventDto { Type = PoolEventTypes.Lost, Revision = snapshot.Revision, Pool = keys.Pool, Member = member };
                yield break;
            }

            var newBuddy = snapshot.BuddyOf(member);
            if (first)
            {
                yield return BuddyEvent(keys, member, newBuddy, snapshot.Revision);
            }

            var interrupted = false;
            foreach (var (gone, joinRevision) in snapshot.Gone().ToList())
            {
                if (snapshot.ResponsibleFor(joinRevision) != member)
                {
                    continue;
                }

                var moved = await TransientlyAsync(() => TakeOverOrNoneAsync(keys.Pool, member, gone, cancellationToken), retry, cancellationToken).ConfigureAwait(false);
                if (moved is null)
                {
                    interrupted = true; // unreachable, or gone ourselves: the next read says which
                    break;
                }

                if (moved.Count > 0)
                {
                    yield return new PoolEventDto
                    {
                        Type = PoolEventTypes.Takeover,
                        Revision = moved.Max(i => i.ModRevision),
                        Pool = keys.Pool,
                        Member = member,
                        From = gone,
                        Items = [.. moved],
                    };
                }
            }

            if (!first && newBuddy != buddy)
            {
                yield return BuddyEvent(keys, member, newBuddy, snapshot.Revision);
            }

            first = false;
            buddy = newBuddy;
            if (interrupted)
            {
                continue;
            }

            retry.Reset();
            var watches = FollowWatches(keys, member, buddy, index == 0);
            await TransientlyAsync<WatchResponse>(
                async () => await KeyWatches.FirstAsync(_store, snapshot.Revision + 1, watches, cancellationToken).ConfigureAwait(false) ?? EmptyResponse,
                retry,
                cancellationToken).ConfigureAwait(false);
        }
    }

    // The items moved, or null when the member itself is gone.
    private async Task<IReadOnlyList<PoolItemDto>?> TakeOverOrNoneAsync(string pool, string member, string gone, CancellationToken cancellationToken)
    {
        try
        {
            return await TakeOverAsync(pool, member, gone, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    // Runs a step of the loop; null when it failed in a way that reading again cures (history compacted under a watch, or
    // a transient error, after a pause).
    private static async Task<T?> TransientlyAsync<T>(Func<Task<T?>> step, Backoff retry, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (CompactedException)
        {
            return null;
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            await Task.Delay(retry.Next(), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    // What a member waits behind: its own key and its buddy's, each for its delete; the first member watches the members
    // prefix instead, since a join (at the end) makes the newcomer its buddy.
    private static List<KeyWatches.Spec> FollowWatches(PoolKeys keys, string member, string? buddy, bool isFirst)
    {
        var own = keys.Member(member);
        var theirs = buddy is null ? null : keys.Member(buddy);
        if (isFirst)
        {
            return
            [
                new(KeyRange.Prefix(keys.Members), response => response.Events.Any(e =>
                    (e.Type == WatchEventType.Put && e.Kv.Version == 1)
                    || (e.Type == WatchEventType.Delete && (e.Kv.Key == own || e.Kv.Key == theirs)))),
            ];
        }

        return
        [
            new(KeyRange.Single(own), response => response.Events.Any(e => e.Type == WatchEventType.Delete)),
            new(KeyRange.Single(theirs!), response => response.Events.Any(e => e.Type == WatchEventType.Delete)),
        ];
    }

    private static PoolEventDto BuddyEvent(PoolKeys keys, string member, string? buddy, long revision) =>
        new() { Type = PoolEventTypes.Buddy, Revision = revision, Pool = keys.Pool, Member = member, Buddy = buddy };
}

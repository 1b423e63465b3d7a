using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>What the lock, election and barrier recipes share: participant ids, input checks, the waits on one key, and
/// the clean-up of a waiter that gives up.</summary>
internal static class RecipeSupport
{
    // A CancellationTokenSource cannot wait longer than this; a longer wait is no wait limit at all.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(int.MaxValue);

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>A participant id: the lease as 16 hex digits, <c>-</c>, 8 random hex digits (so a lease's keys are
    /// recognisable, and two requests under one lease still differ).</summary>
    public static string NewId(long lease) =>
        lease.ToString("x16", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>True for an id of <see cref="NewId"/>'s shape.</summary>
    public static bool IsId(string? id) =>
        id is { Length: 25 } && id[16] == '-' && !id.AsSpan(0, 16).ContainsAnyExcept(HexDigits) && !id.AsSpan(17).ContainsAnyExcept(HexDigits);

    /// <summary>Throws unless <paramref name="lease"/> can name a lease.</summary>
    public static void CheckLease(long lease)
    {
        if (lease <= 0)
        {
            throw new InvalidArgumentException($"A lease is required (the id of a lease the caller keeps alive); got {lease}.");
        }
    }

    /// <summary>The wait a request allows: null for no limit; zero to only try.</summary>
    public static TimeSpan? CheckWaitSeconds(double? waitSeconds)
    {
        if (waitSeconds is not { } seconds)
        {
            return null;
        }

        if (!double.IsFinite(seconds) || seconds < 0)
        {
            throw new InvalidArgumentException($"waitSeconds is a number of seconds, 0 or more; got {seconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        return seconds * 1000 >= int.MaxValue ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The same for a <see cref="TimeSpan"/> argument.</summary>
    public static TimeSpan? CheckWait(string what, TimeSpan? wait)
    {
        if (wait is { } value && value < TimeSpan.Zero)
        {
            throw new InvalidArgumentException($"The {what} cannot be negative; got {value}.");
        }

        return wait is { } w && w >= LongestTimer ? null : wait;
    }

    /// <summary>Reads every key under <paramref name="prefix"/>, oldest (lowest create revision) first.</summary>
    public static async Task<(List<KeyValue> Queue, long Revision)> ReadQueueAsync(IKeyspace store, string prefix, CancellationToken cancellationToken)
    {
        var result = await store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)), cancellationToken).ConfigureAwait(false);
        return (SortByCreation(result.Kvs), result.Revision);
    }

    /// <summary>The keys in creation order.</summary>
    public static List<KeyValue> SortByCreation(IEnumerable<KeyValue> kvs)
    {
        var queue = kvs.ToList();
        queue.Sort((a, b) => a.CreateRevision.CompareTo(b.CreateRevision));
        return queue;
    }

    /// <summary>
    /// Creates a key of its own under <paramref name="prefix"/> (a new id under <paramref name="lease"/>, create-if-absent)
    /// and reads the queue it joined, in the same transaction, so that the queue is exactly the one at its creation.
    /// </summary>
    /// <remarks>The caller's cancellation is honoured before the txn, not during it: a txn abandoned in flight may still
    /// commit, and then the key would be left behind with nobody to delete it.</remarks>
    /// <exception cref="LeaseNotFoundException">The lease is gone.</exception>
    public static async Task<(KeyValue Own, List<KeyValue> Queue, long Revision)> JoinAsync(
        IKeyspace store, string prefix, long lease, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = prefix + NewId(lease);
            var txn = new TxnRequest(
                [Compare.CreateRevision(key, CompareResult.Equal, 0)],
                [new PutRequest(key, value) { Lease = lease }, new RangeRequest(KeyRange.Prefix(prefix))],
                []);
            cancellationToken.ThrowIfCancellationRequested();
            var result = await store.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                continue; // 32 random bits collided under one lease: draw again
            }

            var queue = SortByCreation(((RangeResult)result.Results[1]).Kvs);
            var own = queue.Single(kv => kv.Key == key);
            return (own, queue, result.Revision);
        }
    }

    /// <summary>
    /// Waits, from <paramref name="fromRevision"/> on, for the first change in <paramref name="range"/> that
    /// <paramref name="wakes"/> (any change when null) and returns it; null when the history from there has been
    /// compacted away, so that the caller reads the present again and decides afresh.
    /// </summary>
    public static async Task<WatchEvent?> WaitForChangeAsync(
        IKeyspace store, KeyRange range, long fromRevision, Func<WatchEvent, bool>? wakes, CancellationToken cancellationToken)
    {
        var request = new WatchRequest(range) { StartRevision = fromRevision };
        try
        {
            await foreach (var response in store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
            {
                foreach (var e in response.Events)
                {
                    if (wakes is null || wakes(e))
                    {
                        return e;
                    }
                }
            }
        }
        catch (CompactedException)
        {
            return null;
        }

        // A watch ends only when cancelled (which throws); a backend that ends it otherwise has nothing more to say.
        cancellationToken.ThrowIfCancellationRequested();
        throw new UnavailableException($"The watch on {range} ended unexpectedly.");
    }

    /// <summary>Deletes a waiter's or holder's own key (only that incarnation of it), whatever the caller's
    /// cancellation: a waiter that gives up leaves nothing behind. A store out of reach leaves the key to its lease.</summary>
    public static async Task<bool> DeleteOwnAsync(IKeyspace store, string key, long createRevision)
    {
        var txn = new TxnRequest(
            [Compare.CreateRevision(key, CompareResult.Equal, createRevision)],
            [new DeleteRequest(KeyRange.Single(key))],
            []);
        try
        {
            return (await store.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false)).Succeeded;
        }
        catch (CairnException)
        {
            return false;
        }
    }

    /// <summary>The error for a waiter whose own key vanished while it waited: its session ended, or someone withdrew it.</summary>
    public static async Task<Exception> VanishedAsync(IKeyspace store, long lease, string what, CancellationToken cancellationToken)
    {
        var alive = await store.LeaseTimeToLiveAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
        return alive is null
            ? new LeaseNotFoundException(lease)
            : new ConflictException($"The {what} was withdrawn (released or resigned) while it waited.");
    }

    /// <summary>The caller's cancellation and a wait limit in one token, telling which one fired.</summary>
    public sealed class WaitScope : IDisposable
    {
        private readonly CancellationTokenSource? _timeout;
        private readonly CancellationTokenSource _linked;
        private readonly CancellationToken _caller;

        public WaitScope(TimeSpan? wait, CancellationToken cancellationToken)
        {
            _caller = cancellationToken;
            OnlyTry = wait == TimeSpan.Zero;
            if (wait is { } limit && !OnlyTry)
            {
                _timeout = new CancellationTokenSource(limit);
                _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
            }
            else
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            }
        }

        /// <summary>Zero wait: try once, never wait.</summary>
        public bool OnlyTry { get; }

        /// <summary>Fires at the caller's cancellation or when the wait runs out.</summary>
        public CancellationToken Token => _linked.Token;

        /// <summary>True when the wait ran out (and the caller did not cancel).</summary>
        public bool TimedOut => _timeout is { IsCancellationRequested: true } && !_caller.IsCancellationRequested;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout?.Dispose();
        }
    }
}

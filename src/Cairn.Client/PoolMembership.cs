using System.Threading.Channels;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// Membership of a pool (from <see cref="CairnClient.JoinPoolAsync"/>). Dispose it to leave the pool.
/// </summary>
/// <remarks>
/// <para>While the membership is open the server follows the member: it watches the member's buddy (its predecessor in
/// join order; the first member's is the last), and when the buddy dies it moves the dead member's in-flight items to
/// this member, exactly once, and says so on <see cref="Events"/> (<c>takeover</c>, then <c>buddy</c> with the new
/// buddy). A dropped connection is reopened and the following goes on.</para>
/// <para><see cref="Lost"/> fires when the membership's session ends or the server says the member is gone
/// (<c>lost</c>): the member is no longer in the pool; its items go to its buddy; to take part again, join again (a new id).</para>
/// <para>Concurrency: every member is safe to call from any thread; <see cref="Events"/> is read by one reader.
/// <see cref="DisposeAsync"/> is idempotent.</para>
/// </remarks>
public sealed class PoolMembership : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly HandleLife _life;
    private readonly Channel<PoolEventDto> _events = Channel.CreateUnbounded<PoolEventDto>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _following = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _buddy;

    internal PoolMembership(CairnClient client, PoolMemberDto member, HandleLife life)
    {
        _client = client;
        _life = life;
        Member = member;
        _buddy = member.Buddy;
        _ = life.Closed.ContinueWith(
            static (_, state) =>
            {
                var self = (PoolMembership)state!;
                self._events.Writer.TryComplete();
                self._following.TrySetResult();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        life.RunUntilLost(FollowAsync);
    }

    /// <summary>The member as it joined.</summary>
    public PoolMemberDto Member { get; }

    /// <summary>The pool.</summary>
    public string Pool => Member.Pool;

    /// <summary>The member's id in the pool (never reused).</summary>
    public string Id => Member.Id;

    /// <summary>The member's buddy as last reported (null when alone, or not reported yet).</summary>
    public string? Buddy => Volatile.Read(ref _buddy);

    /// <summary>The session the membership lives under.</summary>
    public CairnSession Session => _life.Session;

    /// <summary>What happens to the member: <c>buddy</c> (its buddy changed), <c>takeover</c> (it took over a dead
    /// member's items, listed), <c>lost</c> (its session ended). Ends when the membership does.</summary>
    public IAsyncEnumerable<PoolEventDto> Events => _events.Reader.ReadAllAsync();

    /// <summary>Fires when the member is no longer in the pool: its session ended, or the server said it is gone. Never
    /// on a leave.</summary>
    public CancellationToken Lost => _life.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _life.IsLost;

    /// <summary>Completes (never faults) when the membership ends: lost or left.</summary>
    public Task Closed => _life.Closed;

    /// <summary>Records an in-flight item of this member: if it dies before finishing it, its buddy takes it over.</summary>
    /// <param name="item">The item's id.</param>
    /// <param name="value">What it is, for whoever finishes it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">The member is no longer in the pool.</exception>
    public Task<PoolItemDto> PutItemAsync(string item, string value, CancellationToken cancellationToken = default) =>
        _client.PutPoolItemAsync(Pool, Id, item, value, cancellationToken);

    /// <summary>Finishes (removes) an in-flight item of this member, its own or one it took over.</summary>
    /// <param name="item">The item's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the member has no such item.</returns>
    public Task<bool> FinishItemAsync(string item, CancellationToken cancellationToken = default) =>
        _client.FinishPoolItemAsync(Pool, Id, item, cancellationToken);

    /// <summary>This member's in-flight items, its own and those it took over.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<IReadOnlyList<PoolItemDto>> ListItemsAsync(CancellationToken cancellationToken = default) =>
        _client.ListPoolItemsAsync(Pool, Id, cancellationToken);

    /// <summary>Leaves the pool (unless lost already) and ends a session the membership created. Same as <see cref="DisposeAsync"/>.</summary>
    public ValueTask LeaveAsync() => DisposeAsync();

    /// <summary>Leaves the pool (unless lost already) and ends a session the membership created. Idempotent.</summary>
    public ValueTask DisposeAsync() => _life.DisposeAsync(() => _client.LeavePoolAsync(Pool, Id));

    /// <summary>Completes once the server follows the member (its event stream is open), or the membership has ended.</summary>
    internal Task FollowingAsync(CancellationToken cancellationToken) => _following.Task.WaitAsync(cancellationToken);

    // Keeps the member's event stream open (the server follows the member only while it is), reopening it when it drops;
    // returns (the membership is lost) on `lost`, or when the server no longer knows the member.
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                await foreach (var change in _client.FollowPoolMemberOnceAsync(Pool, Id, () => _following.TrySetResult(), cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    if (change.Type == PoolEventTypes.Buddy && (change.Member is null || change.Member == Id))
                    {
                        Volatile.Write(ref _buddy, change.Buddy);
                    }

                    _events.Writer.TryWrite(change);
                    if (change.Type == PoolEventTypes.Lost)
                    {
                        return;
                    }
                }
            }
            catch (NotFoundException)
            {
                return;
            }
            catch (CairnException ex) when (ex.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                // Reopened below.
            }

            failures++;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 50 * Math.Pow(2, Math.Min(failures, 10)))), cancellationToken).ConfigureAwait(false);
        }
    }
}

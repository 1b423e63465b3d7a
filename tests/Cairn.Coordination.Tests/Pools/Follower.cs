using Cairn.Contracts;
using Cairn.Coordination.Pools;

namespace Cairn.Coordination.Tests.Pools;

/// <summary>A member's <see cref="PoolStore.FollowAsync"/> stream read in the background, as a service would.</summary>
internal sealed class Follower : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PoolEventDto> _events = [];

    public Follower(PoolStore pools, string pool, string member)
    {
        Member = member;
        Completion = Task.Run(async () =>
        {
            await foreach (var e in pools.FollowAsync(pool, member, _stop.Token))
            {
                lock (_events)
                {
                    _events.Add(e);
                }
            }
        });
    }

    public string Member { get; }

    /// <summary>Ends when the stream ends (after <c>lost</c>), or faults with what the stream threw.</summary>
    public Task Completion { get; }

    public List<PoolEventDto> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The events' types, with the buddy or source: <c>buddy:m-…</c>, <c>takeover:m-…</c>, <c>lost</c>.</summary>
    public List<string> Summary => Events.Select(e => e.Type switch
    {
        PoolEventTypes.Buddy => "buddy:" + (e.Buddy ?? "none"),
        PoolEventTypes.Takeover => "takeover:" + e.From,
        _ => e.Type,
    }).ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Completion;
        }
        catch (OperationCanceledException)
        {
        }
        catch (CairnException)
        {
        }

        _stop.Dispose();
    }
}

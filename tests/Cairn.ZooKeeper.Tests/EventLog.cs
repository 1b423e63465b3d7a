using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

/// <summary>Records a client's <see cref="ZooKeeperClient.Watched"/> events, and waits for them.</summary>
public sealed class EventLog
{
    private readonly Lock _lock = new();
    private readonly List<WatchedEvent> _events = [];

    public EventLog(ZooKeeperClient client) => client.Watched += e =>
    {
        lock (_lock)
        {
            _events.Add(e);
        }
    };

    public IReadOnlyList<WatchedEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The node events (not state changes) for paths under <paramref name="prefix"/>.</summary>
    public IReadOnlyList<WatchedEvent> For(string prefix) =>
        [.. Events.Where(e => e.Path is not null && (e.Path == prefix || e.Path.StartsWith(prefix + "/", StringComparison.Ordinal)))];

    public Task WaitForAsync(Func<IReadOnlyList<WatchedEvent>, bool> condition, string what, TimeSpan? deadline = null) =>
        Eventually.UntilAsync(() => condition(Events), deadline ?? TimeSpan.FromSeconds(30), what);

    public Task WaitForAsync(WatchEventKind kind, string path, TimeSpan? deadline = null) =>
        WaitForAsync(events => events.Any(e => e.Kind == kind && e.Path == path), $"{kind} on {path}", deadline);

    public Task WaitForStateAsync(ZooKeeperState state, TimeSpan? deadline = null) =>
        WaitForAsync(events => events.Any(e => e.Kind == WatchEventKind.None && e.State == state), $"the client reports {state}", deadline);
}

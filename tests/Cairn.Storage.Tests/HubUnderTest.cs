using System.Text;
using Cairn.Core;
using Cairn.Storage.Watching;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Storage.Tests;

/// <summary>
/// A watch hub with an in-memory history and a fake clock, and a minimal writer in front of it: each put, delete or txn
/// gets the next revision and is published to the hub (and appended to the history) as a backend would.
/// </summary>
internal sealed class HubUnderTest
{
    private readonly Dictionary<string, KeyValue> _live = [];
    private long _revision = 1; // an empty store is at revision 1

    public HubUnderTest(int capacityEvents = 1024, TimeSpan? defaultProgressInterval = null)
    {
        Hub = new WatchHub(History, _revision, new WatchHubOptions
        {
            CapacityEvents = capacityEvents,
            DefaultProgressInterval = defaultProgressInterval ?? TimeSpan.Zero,
            Time = Time,
        });
    }

    public InMemoryHistory History { get; } = new();

    public FakeTimeProvider Time { get; } = new();

    public WatchHub Hub { get; }

    public long Revision => _revision;

    /// <summary>False: writes reach the history only, as a backend's writes that it will never publish (it restores a
    /// snapshot instead, then calls <see cref="WatchHub.Resync"/>).</summary>
    public bool Publishes { get; set; } = true;

    public long Put(string key, string value = "v") => Txn(key, value);

    /// <summary>Puts all the keys in one revision, each with the value <paramref name="value"/>.</summary>
    public long Txn(string keys, string value = "v")
    {
        var revision = ++_revision;
        var events = new List<RevisionEvent>();
        foreach (var key in keys.Split(','))
        {
            _live.TryGetValue(key, out var previous);
            var kv = new KeyValue(key, Encoding.UTF8.GetBytes(value), previous?.CreateRevision ?? revision, revision, (previous?.Version ?? 0) + 1, 0);
            _live[key] = kv;
            events.Add(new RevisionEvent(revision, new WatchEvent(WatchEventType.Put, kv, previous), Encoding.UTF8.GetBytes(key)));
        }

        Commit(events);
        return revision;
    }

    public long Delete(string key)
    {
        var revision = ++_revision;
        var previous = _live[key];
        _live.Remove(key);
        var tombstone = new KeyValue(key, ReadOnlyMemory<byte>.Empty, 0, revision, 0, 0);
        Commit([new RevisionEvent(revision, new WatchEvent(WatchEventType.Delete, tombstone, previous), Encoding.UTF8.GetBytes(key))]);
        return revision;
    }

    public HubWatch Watch(KeyRange range, long startRevision = 0, bool prevKv = false, TimeSpan? progressInterval = null) =>
        new(Hub, new WatchRequest(range) { StartRevision = startRevision, PrevKv = prevKv, ProgressInterval = progressInterval });

    private void Commit(List<RevisionEvent> events)
    {
        History.Append(events);
        if (Publishes)
        {
            Hub.Publish(events, _revision);
        }
    }
}

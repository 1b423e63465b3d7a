using System.Text;
using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    /// <inheritdoc />
    /// <remarks>The watch hub serves it: from memory, or from the history table for a watcher that fell behind.</remarks>
    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) =>
        _hub.WatchAsync(request, cancellationToken);

    // The history table, as the watch hub reads it for watchers that fell behind its window.
    private sealed class History(SqliteKeyspace store) : IWatchHistory
    {
        public long CompactRevision => Volatile.Read(ref store._compactRevision);

        public ValueTask ReadAsync(KeyRange range, long from, long through, bool prevKv, List<WatchResponse> into, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            store.Read(session => ReadHistory(session, range, prevKv, from, through, into));
            return ValueTask.CompletedTask;
        }
    }

    private static int ReadHistory(SqliteSession session, KeyRange range, bool prevKv, long from, long through, List<WatchResponse> into)
    {
        var (_, compact) = session.ReadMeta();
        if (from < compact)
        {
            throw new CompactedException(from, compact);
        }

        var command = session.Command($"SELECT rev, key, value, create_rev, version, lease FROM history WHERE rev >= @p0 AND rev <= @p1 AND {SqliteSession.KeyFilter(range, 2)} ORDER BY rev, sub");
        command.Parameters["@p0"].Value = from;
        command.Parameters["@p1"].Value = through;
        SqliteSession.BindKeyFilter(command, range, 2);

        var changes = new List<(long Revision, WatchEvent Event)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var revision = reader.GetInt64(0);
                var key = Encoding.UTF8.GetString((byte[])reader.GetValue(1));
                var version = reader.GetInt64(4);
                var change = version == 0
                    ? new WatchEvent(WatchEventType.Delete, new KeyValue(key, ReadOnlyMemory<byte>.Empty, 0, revision, 0, 0))
                    : new WatchEvent(WatchEventType.Put, new KeyValue(key, (byte[])reader.GetValue(2), reader.GetInt64(3), revision, version, reader.GetInt64(5)));
                changes.Add((revision, change));
            }
        }

        if (prevKv)
        {
            for (var i = 0; i < changes.Count; i++)
            {
                changes[i] = (changes[i].Revision, changes[i].Event with { PrevKv = PreviousVersion(session, changes[i].Event.Kv.Key, changes[i].Revision) });
            }
        }

        foreach (var group in changes.GroupBy(c => c.Revision))
        {
            into.Add(new WatchResponse(group.Key, group.Select(c => c.Event).ToList()));
        }

        return changes.Count;
    }

    // The key as it was just before `revision`, or null if it did not exist (or that history was compacted).
    private static KeyValue? PreviousVersion(SqliteSession session, string key, long revision)
    {
        var command = session.Command("SELECT value, create_rev, rev, version, lease FROM history WHERE key = @p0 AND rev < @p1 ORDER BY rev DESC LIMIT 1");
        command.Parameters["@p0"].Value = Encoding.UTF8.GetBytes(key);
        command.Parameters["@p1"].Value = revision;
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.GetInt64(3) == 0)
        {
            return null;
        }

        return new KeyValue(key, (byte[])reader.GetValue(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using Cairn.Core;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    // Most revisions one step of a watch delivers before it looks again; bounds the work done per step.
    private const int WatchStepRevisions = 1024;

    /// <inheritdoc />
    public async IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        if (request.StartRevision < 0)
        {
            throw new InvalidArgumentException($"A watch's start revision must not be negative; got {request.StartRevision}.");
        }

        var progressEvery = request.ProgressInterval ?? _options.DefaultProgressInterval;
        if (progressEvery < TimeSpan.Zero)
        {
            throw new InvalidArgumentException("A watch's progress interval must not be negative.");
        }

        var next = request.StartRevision == 0 ? _hub.Revision + 1 : request.StartRevision;
        var compact = Volatile.Read(ref _compactRevision);
        if (next < compact)
        {
            throw new CompactedException(next, compact);
        }

        var responses = new List<WatchResponse>();

        // The progress timer runs from the last delivery, not from the last commit: commits to keys outside the range
        // must not keep pushing back the notification of a watcher that has nothing to deliver.
        CancellationTokenSource? idle = null;
        Task? progressDue = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ThrowIfDisposed();
                var changed = _hub.Changed;
                var committed = _hub.Revision;
                if (next <= committed)
                {
                    responses.Clear();
                    if (!_hub.TryRead(next, request.Range, request.PrevKv, WatchStepRevisions, responses, out var through))
                    {
                        // Fell behind what memory holds: catch up from history (fails if it was compacted away).
                        through = Math.Min(committed, next + WatchStepRevisions - 1);
                        var from = next;
                        Read(session => ReadHistory(session, request, from, through, responses));
                    }

                    foreach (var response in responses)
                    {
                        yield return response;
                    }

                    if (responses.Count > 0 && idle is not null)
                    {
                        await idle.CancelAsync().ConfigureAwait(false);
                        idle.Dispose();
                        (idle, progressDue) = (null, null);
                    }

                    next = through + 1;
                    continue;
                }

                if (progressEvery == TimeSpan.Zero)
                {
                    await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (progressDue is null)
                {
                    idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    progressDue = Task.Delay(progressEvery, _time, idle.Token);
                }

                if (await Task.WhenAny(changed, progressDue).ConfigureAwait(false) == progressDue)
                {
                    await progressDue.ConfigureAwait(false); // rethrows cancellation
                    idle!.Dispose();
                    (idle, progressDue) = (null, null);
                    yield return new WatchResponse(next - 1, []);
                }
            }
        }
        finally
        {
            // Do not leave a pending timer behind a watch that ended.
            idle?.Cancel();
            idle?.Dispose();
        }
    }

    private static int ReadHistory(SqliteSession session, WatchRequest request, long from, long through, List<WatchResponse> into)
    {
        var (_, compact) = session.ReadMeta();
        if (from < compact)
        {
            throw new CompactedException(from, compact);
        }

        var command = session.Command($"SELECT rev, key, value, create_rev, version, lease FROM history WHERE rev >= @p0 AND rev <= @p1 AND {SqliteSession.KeyFilter(request.Range, 2)} ORDER BY rev, sub");
        command.Parameters["@p0"].Value = from;
        command.Parameters["@p1"].Value = through;
        SqliteSession.BindKeyFilter(command, request.Range, 2);

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

        if (request.PrevKv)
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

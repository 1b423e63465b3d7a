using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>What the coordination calls (runs, pools, locks, elections, barriers, queues) share: paths, resumable
/// event streams, long waits cut to fit the request timeout, and the watch that tells a handle its key has gone.</summary>
public sealed partial class CairnClient
{
    // The longest wait one request asks the server for: a long wait is a series of these, so that no request outlives
    // the client's request timeout (and a proxy's idle timeout).
    private static readonly TimeSpan MaxWaitPerRequest = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan WaitMargin = TimeSpan.FromSeconds(10);

    /// <summary>A path of the API: <paramref name="root"/> then each name as one percent-encoded segment ('/' included,
    /// so that no name reaches another resource).</summary>
    private Uri CoordinationUri(string root, params string[] names)
    {
        var path = new StringBuilder(root);
        foreach (var name in names)
        {
            path.Append('/').Append(Segment(name));
        }

        return KeyUri(path.ToString());
    }

    private Uri CoordinationUri(string root, string[] names, string query) =>
        new(CoordinationUri(root, names).OriginalString + "?" + query, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private static string Segment(string name) => KeyPath.Encode(name).Replace("/", "%2F", StringComparison.Ordinal);

    /// <summary>Checks a name before it goes into a path: present, so that the server's message (naming the rules) is the
    /// one the caller sees for anything else.</summary>
    private static string Name(string what, string? name) =>
        string.IsNullOrEmpty(name) ? throw new InvalidArgumentException($"A {what} is required.") : name;

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string WaitSeconds(TimeSpan wait) => wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The longest server-side wait one request may ask for, within the client's request timeout.</summary>
    private TimeSpan WaitPerRequest
    {
        get
        {
            var timeout = _http.Timeout;
            if (timeout == Timeout.InfiniteTimeSpan || timeout >= MaxWaitPerRequest + WaitMargin)
            {
                return MaxWaitPerRequest;
            }

            return timeout > WaitMargin + TimeSpan.FromSeconds(1) ? timeout - WaitMargin : timeout / 2;
        }
    }

    /// <summary>The wait of the next request of a long wait: all that is left of <paramref name="wait"/> since <paramref name="started"/> (null: wait
    /// for ever), at most <see cref="WaitPerRequest"/>; zero once it has passed.</summary>
    private TimeSpan NextWait(long started, TimeSpan? wait, out bool last)
    {
        var chunk = WaitPerRequest;
        if (wait is not { } total)
        {
            last = false;
            return chunk;
        }

        var left = total - TimeProvider.System.GetElapsedTime(started);
        if (left < TimeSpan.Zero)
        {
            left = TimeSpan.Zero;
        }

        last = left <= chunk;
        return last ? left : chunk;
    }

    private Task<bool> SendNoContentAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                // A problem document that names something else than the resource (a bad name) is still thrown.
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                var error = ToException(response.StatusCode, body);
                return error is NotFoundException ? false : throw error;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Reads a coordination event stream (SSE) whose events each carry the store revision of their change, reconnecting
    /// when it drops: the stream is reopened from the revision of the last event delivered (and the events of that
    /// revision already delivered are skipped), or, before any, from where the first connection started. Nothing is lost
    /// or repeated across a reconnection. The sequence ends after an event for which <paramref name="isEnd"/> is true.
    /// </summary>
    private async IAsyncEnumerable<T> ResumableStreamAsync<T>(
        Func<long, string> path,
        long fromRevision,
        Func<T, long> revisionOf,
        Func<T, bool> isEnd,
        Func<T>? goneEvent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = fromRevision;
        long lastRevision = 0;
        var deliveredAtLast = 0;
        var established = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Stream? stream = null;
            var gone = false;
            try
            {
                stream = await OpenEventStreamAsync(path(lastRevision > 0 ? lastRevision : next), established, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException) when (established && goneEvent is not null)
            {
                // Gone while the connection was down (its last event may be compacted away with it).
                gone = true;
            }

            if (gone)
            {
                yield return goneEvent!();
                yield break;
            }

            if (stream is null)
            {
                failures++;
                await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var skip = lastRevision > 0 ? deliveredAtLast : 0;
            await foreach (var sse in ReadConnectionAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                if (sse.Type == "created")
                {
                    if (TryRead<WatchCreatedDto>(sse.Data) is { StartRevision: > 0 } created && lastRevision == 0)
                    {
                        next = created.StartRevision;
                    }

                    established = true;
                    failures = 0;
                    continue;
                }

                if (sse.Type is "progress" or "heartbeat" or "ping")
                {
                    continue;
                }

                var item = ReadEventData<T>(sse.Data);
                established = true;
                failures = 0;
                var revision = revisionOf(item);
                if (revision != 0)
                {
                    if (revision < lastRevision)
                    {
                        continue;
                    }

                    if (revision == lastRevision)
                    {
                        if (skip > 0)
                        {
                            skip--;
                            continue;
                        }

                        deliveredAtLast++;
                    }
                    else
                    {
                        lastRevision = revision;
                        deliveredAtLast = 1;
                        skip = 0;
                    }
                }

                yield return item;
                if (isEnd(item))
                {
                    yield break;
                }
            }

            failures++;
            await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
        }
    }

    private static T? TryRead<T>(string data)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data, ReadOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Returns when <paramref name="key"/>, created at <paramref name="createRevision"/>, is gone (deleted,
    /// its lease ended, or replaced by a key created later): reads it, then watches it from the revision after the read,
    /// so a delete between the two is not missed. Transient failures are retried.</summary>
    internal async Task WaitUntilGoneAsync(string key, long createRevision, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                var read = await RangeAsync(new RangeRequest(KeyRange.Single(key)) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
                if (read.Kvs.Count == 0 || read.Kvs[0].CreateRevision != createRevision)
                {
                    return;
                }

                await foreach (var change in WatchAsync(key, prefix: false, fromRevision: read.Revision + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (change.Type == WatchEventType.Delete || change.Kv.CreateRevision != createRevision)
                    {
                        return;
                    }
                }
            }
            catch (CairnException ex) when ((ex.IsTransient || ex is CompactedException) && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The session a handle lives under: the caller's, or a new one it owns.</summary>
    private async Task<(CairnSession Session, bool Owned)> SessionForAsync(CairnSession? session, long ttlSeconds, CancellationToken cancellationToken) =>
        session is not null
            ? (session, false)
            : (await CreateSessionAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false), true);
}

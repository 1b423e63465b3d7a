using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Watches over Server-Sent Events (<c>GET /v1/watch</c>).</summary>
public sealed partial class CairnClient
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    /// <remarks>
    /// The watch survives dropped connections: it reconnects (with a growing delay, up to 5 s) and resumes at the revision
    /// after the last one it delivered, so no event is lost or repeated. It gives up only when the server says the watch
    /// cannot go on (e.g. <see cref="CompactedException"/>), when the first connection cannot be made
    /// (<see cref="UnavailableException"/>), or when <paramref name="cancellationToken"/> fires.
    /// </remarks>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var next = request.StartRevision;
        var established = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stream = await OpenEventStreamAsync(WatchPath(request, next), established, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                failures++;
                await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
                continue;
            }

            await foreach (var sse in ReadConnectionAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                switch (sse.Type)
                {
                    case "created":
                        next = JsonSerializer.Deserialize<WatchCreatedDto>(sse.Data, ReadOptions)!.StartRevision;
                        established = true;
                        failures = 0;
                        break;
                    case "events":
                    case "progress":
                        var response = JsonSerializer.Deserialize<WatchResponseDto>(sse.Data, ReadOptions)!.ToModel();
                        next = response.Revision + 1;
                        yield return response;
                        break;
                }
            }

            failures++;
            await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Watches one key, or every key under a prefix, and yields each change as it happens: the convenient form
    /// of <see cref="WatchAsync(WatchRequest, CancellationToken)"/>, with the same guarantees (in revision order, none
    /// lost, none repeated, across reconnections). Progress notifications are not yielded.</summary>
    /// <param name="key">The key, or the prefix when <paramref name="prefix"/> is true (an empty prefix watches every key).</param>
    /// <param name="prefix">Watch every key that starts with <paramref name="key"/>.</param>
    /// <param name="fromRevision">First revision to deliver; 0: changes from now on.</param>
    /// <param name="prevKv">Deliver each event's previous key-value.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <exception cref="CompactedException">The start revision (or the position of a watch that fell far behind) has been compacted.</exception>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string key, bool prefix = false, long fromRevision = 0, bool prevKv = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var range = prefix ? KeyRange.Prefix(key) : KeyRange.Single(key);
        var request = new WatchRequest(range) { StartRevision = fromRevision, PrevKv = prevKv };
        await foreach (var response in WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            foreach (var change in response.Events)
            {
                yield return change;
            }
        }
    }

    // The events of one event-stream connection, until it ends or drops (a drop just ends them: the caller reconnects
    // and resumes). An `error` event is the server ending the watch: it is thrown as the exception it names.
    private static async IAsyncEnumerable<SseEvent> ReadConnectionAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            SseEvent? sse;
            try
            {
                sse = await SseEvent.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                sse = null; // the connection dropped
            }

            if (sse is null)
            {
                yield break;
            }

            if (sse.Type == "error")
            {
                throw ToException(System.Net.HttpStatusCode.OK, Encoding.UTF8.GetBytes(FlattenError(sse.Data)));
            }

            yield return sse;
        }
    }

    // Opens an event stream (the key watch, a journal watch); null when the server cannot be reached and the watch had
    // been established (so the caller retries). Errors the server states (compacted, invalid) are thrown.
    private async Task<Stream?> OpenEventStreamAsync(string path, bool established, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                var error = ToException(response.StatusCode, body);
                if (established && error.IsTransient)
                {
                    response.Dispose();
                    return null;
                }

                throw error;
            }

            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            if (established)
            {
                return null;
            }

            throw ex is HttpRequestException request ? Unreachable(request) : new UnavailableException($"Cannot reach the Cairn server at {_endpoint}: {ex.Message}", ex);
        }
        finally
        {
            message.Dispose();
        }
    }

    private static string WatchPath(WatchRequest request, long next)
    {
        var dto = WatchCreateDto.From(request);
        var query = new StringBuilder("v1/watch?key=").Append(Uri.EscapeDataString(dto.Key ?? ""));
        if (dto.Prefix)
        {
            query.Append("&prefix=true");
        }

        if (dto.End is not null)
        {
            query.Append("&end=").Append(Uri.EscapeDataString(dto.End));
        }

        if (dto.FromKey)
        {
            query.Append("&fromKey=true");
        }

        if (next > 0)
        {
            query.Append("&fromRevision=").Append(next.ToString(CultureInfo.InvariantCulture));
        }

        if (dto.PrevKv)
        {
            query.Append("&prevKv=true");
        }

        if (dto.ProgressSeconds is { } seconds)
        {
            query.Append("&progressSeconds=").Append(seconds.ToString("0.###", CultureInfo.InvariantCulture));
        }

        return query.ToString();
    }

    // The server's error event carries {code, detail, details:{…}}; the problem reader wants the details at the top.
    private static string FlattenError(string data)
    {
        using var error = JsonDocument.Parse(data);
        var flat = new Dictionary<string, JsonElement>();
        foreach (var property in error.RootElement.EnumerateObject())
        {
            if (property.Name == "details" && property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var detail in property.Value.EnumerateObject())
                {
                    flat[detail.Name] = detail.Value.Clone();
                }
            }
            else
            {
                flat[property.Name] = property.Value.Clone();
            }
        }

        return JsonSerializer.Serialize(flat);
    }

    private static TimeSpan ReconnectDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(failures, 10))));
}

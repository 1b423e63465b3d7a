using System.Net;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>One Server-Sent Event: its type, id (absent: null) and JSON data.</summary>
internal sealed record SseEvent(string Type, long? Id, JsonElement Data);

/// <summary>
/// A watch opened as Server-Sent Events over a real connection, read line by line. Every read has a deadline, so a
/// stream that stops delivering fails the test instead of hanging it.
/// </summary>
internal sealed class SseStream : IDisposable
{
    // A deadline against a stream that hangs, not a measure of speed: generous enough for a heavily loaded machine.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    /// <summary>The first event, <c>created</c>: where the watch starts.</summary>
    public SseEvent Created { get; private set; } = null!;

    /// <summary>Opens <paramref name="url"/>, expects 200 <c>text/event-stream</c> and returns the stream after its <c>created</c> event (<see cref="Created"/>).</summary>
    public static async Task<SseStream> OpenAsync(HttpClient http, string url, string? lastEventId = null)
    {
        var response = await SendAsync(http, url, lastEventId);
        var text = response.StatusCode == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStreamAsync().WaitAsync(Timeout);
        var stream = new SseStream(response, body);
        stream.Created = await stream.NextAsync();
        Assert.Equal("created", stream.Created.Type);
        return stream;
    }

    /// <summary>Sends the request and returns as soon as the headers are in (the body of a watch never ends).</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);
    }

    /// <summary>The next event of any type.</summary>
    public async Task<SseEvent> NextAsync()
    {
        string? type = null;
        long? id = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(Timeout)
                ?? throw new InvalidOperationException("The event stream ended.");
            if (line.Length == 0)
            {
                if (type is null && data.Length == 0)
                {
                    continue;
                }

                return new SseEvent(type ?? "message", id, JsonDocument.Parse(data.ToString()).RootElement.Clone());
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line["id: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }
    }

    /// <summary>The next <c>events</c> event, skipping progress notifications.</summary>
    public async Task<SseEvent> NextEventsAsync()
    {
        while (true)
        {
            var next = await NextAsync();
            if (next.Type != "progress")
            {
                Assert.Equal("events", next.Type);
                return next;
            }
        }
    }

    /// <summary>Reads <c>events</c> until one at or past <paramref name="revision"/>; returns all of them.</summary>
    public async Task<List<SseEvent>> UntilRevisionAsync(long revision)
    {
        var seen = new List<SseEvent>();
        while (seen.Count == 0 || seen[^1].Id < revision)
        {
            seen.Add(await NextEventsAsync());
        }

        return seen;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}

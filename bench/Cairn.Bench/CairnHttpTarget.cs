using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Cairn.Client;

namespace Cairn.Bench;

/// <summary>Cairn's <c>/v1/kv</c> API over HTTP/1.1, on TCP or on a Unix domain socket.</summary>
internal sealed class CairnHttpTarget : IBenchTarget
{
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly string[] JournalSteps = ["begin", "authorization", "commit"];

    // Each run writes its own requests, so a second run against the same server appends rather than finds them.
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _client;
    private readonly Uri[] _keys;

    private readonly string _name;
    private string? _unixSocket;
    private readonly Uri _watchKey;

    private CairnHttpTarget(HttpClient client, int keyCount, string keyPrefix, string name)
    {
        _client = client;
        _name = name;
        _watchKey = new Uri(client.BaseAddress!, "v1/kv/bench/watch");
        // Request URIs are built once so that the measured loop does not format strings.
        _keys = new Uri[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            _keys[i] = new Uri(client.BaseAddress!, $"v1/kv/{keyPrefix}/{i}");
        }
    }

    public string Name => _name;

    /// <summary>A target whose connection pool holds up to <paramref name="connections"/> connections (one per client).</summary>
    public static CairnHttpTarget Create(Transport transport, string endpoint, int connections, int keyCount, string keyPrefix = "bench", string name = "cairn")
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        Uri baseAddress;
        string? unixSocket = null;
        if (transport == Transport.Unix)
        {
            handler.ConnectCallback = UnixSocketConnector.ConnectTo(endpoint);
            unixSocket = endpoint;
            baseAddress = new Uri("http://localhost/");
        }
        else
        {
            baseAddress = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
        }

        var client = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        return new CairnHttpTarget(client, keyCount, keyPrefix, name) { _unixSocket = unixSocket };
    }

    public async Task PutAsync(int key, byte[] value, CancellationToken ct)
    {
        using var content = new ByteArrayContent(value);
        content.Headers.ContentType = OctetStream;
        using var response = await _client.PutAsync(_keys[key], content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task GetAsync(int key, CancellationToken ct)
    {
        // The default completion option buffers the whole body, so the latency includes reading the value.
        using var response = await _client.GetAsync(_keys[key], ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task CreateAsync(int client, long sequence, byte[] value, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_client.BaseAddress!, $"v1/kv/bench/c/{RunId}-{client}-{sequence}"));
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        request.Content = new ByteArrayContent(value);
        request.Content.Headers.ContentType = OctetStream;
        using var response = await _client.SendAsync(request, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task<long> VersionAsync(int key, CancellationToken ct)
    {
        using var response = await _client.GetAsync(_keys[key], ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return ParseETag(response);
    }

    // If-Match: "<mod revision>" makes the put a compare-and-set; the answer's ETag is the new mod revision.
    public async Task<long> CasAsync(int key, long expected, byte[] value, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, _keys[key]);
        request.Headers.TryAddWithoutValidation("If-Match", "\"" + expected.ToString(CultureInfo.InvariantCulture) + "\"");
        request.Content = new ByteArrayContent(value);
        request.Content.Headers.ContentType = OctetStream;
        using var response = await _client.SendAsync(request, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return ParseETag(response);
    }

    private static long ParseETag(HttpResponseMessage response) =>
        response.Headers.ETag is { } tag && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : throw new HttpRequestException("The answer carries no ETag with a mod revision.");

    public async Task PutWatchedAsync(byte[] value, CancellationToken ct)
    {
        using var content = new ByteArrayContent(value);
        content.Headers.ContentType = OctetStream;
        using var response = await _client.PutAsync(_watchKey, content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    // A server-sent-event stream on its own connection; an event counts as received at the blank line that ends it.
    public async Task<IEventStream> OpenWatchAsync(CancellationToken ct)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        if (_unixSocket is not null)
        {
            handler.ConnectCallback = UnixSocketConnector.ConnectTo(_unixSocket);
        }

        var http = new HttpClient(handler) { BaseAddress = _client.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync(new Uri("v1/watch?key=bench/watch&progressSeconds=0", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var events = new ChannelEventStream(async () =>
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
            http.Dispose();
        });
        events.Start(async (writer, created, stop) =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? type = null;
            while (await reader.ReadLineAsync(stop).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        type = line["event: ".Length..];
                    }

                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                if (type == "created")
                {
                    created();
                }
                else if (type == "events")
                {
                    writer.TryWrite(now);
                }

                type = null;
            }
        });
        await events.WaitCreatedAsync(ct).ConfigureAwait(false);
        return events;
    }

    /// <summary>The seed's own client call (seed-compatible API, message of the seed's example shape, ~350 bytes).</summary>
    public async Task JournalAppendAsync(int client, long sequence, CancellationToken ct)
    {
        var txid = $"bench-{RunId}-{client}-{sequence / 3}";
        var step = JournalSteps[sequence % 3];
        var message = $$"""
            {"user_id":"user1","resourcepk":null,"request_id":"{{txid}}","host":"host1","payload":null,"resourcegroup":"cookbook","transaction_id":"c4f62dae-2c3a-417e-94f9-db43d86d4cd0","cm":null,"step":"{{step}}","date":"2017-6-13 16:47:55","resource":"cookbook/todo","role":null,"authuser_id":"user1","verb":"get"}
            """;
        using var content = new StringContent(message, System.Text.Encoding.UTF8);
        content.Headers.ContentType = Json;
        using var response = await _client.PostAsync(new Uri(_client.BaseAddress!, $"compat/journal/{txid}/{step}"), content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task BlobPutAsync(int key, byte[] value, CancellationToken ct)
    {
        using var content = new ByteArrayContent(value);
        content.Headers.ContentType = OctetStream;
        using var response = await _client.PutAsync(new Uri(_client.BaseAddress!, $"v1/blobs/bench/blob-{key}"), content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task BlobGetAsync(int key, CancellationToken ct)
    {
        using var response = await _client.GetAsync(new Uri(_client.BaseAddress!, $"v1/blobs/bench/blob-{key}"), ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {body}", null, response.StatusCode);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

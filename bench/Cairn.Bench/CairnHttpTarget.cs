using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Cairn.Client;

namespace Cairn.Bench;

/// <summary>How the HTTP target reaches the server.</summary>
internal enum Transport
{
    Tcp,
    Unix,
}

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

    private CairnHttpTarget(HttpClient client, int keyCount, string keyPrefix)
    {
        _client = client;
        // Request URIs are built once so that the measured loop does not format strings.
        _keys = new Uri[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            _keys[i] = new Uri(client.BaseAddress!, $"v1/kv/{keyPrefix}/{i}");
        }
    }

    public string Name => "cairn";

    /// <summary>A target whose connection pool holds up to <paramref name="connections"/> connections (one per client).</summary>
    public static CairnHttpTarget Create(Transport transport, string endpoint, int connections, int keyCount, string keyPrefix = "bench")
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
        if (transport == Transport.Unix)
        {
            handler.ConnectCallback = UnixSocketConnector.ConnectTo(endpoint);
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
        return new CairnHttpTarget(client, keyCount, keyPrefix);
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

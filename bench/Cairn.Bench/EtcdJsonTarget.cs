using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cairn.Bench;

/// <summary>
/// etcd v3 through its JSON gateway (<c>POST /v3/kv/put</c>, <c>/v3/kv/range</c>, <c>/v3/kv/txn</c>; keys and values
/// base64), the way a client without gRPC talks to etcd: one HTTP/1.1 keep-alive connection per client.
/// </summary>
internal sealed class EtcdJsonTarget : IBenchTarget
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _client;
    private readonly string[] _keys;
    private readonly Uri _put;
    private readonly Uri _range;
    private readonly Uri _txn;

    public EtcdJsonTarget(string endpoint, int connections, int keyCount)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        var baseAddress = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
        _client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60), DefaultRequestVersion = HttpVersion.Version11 };
        _put = new Uri(baseAddress, "v3/kv/put");
        _range = new Uri(baseAddress, "v3/kv/range");
        _txn = new Uri(baseAddress, "v3/kv/txn");
        _keys = new string[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            _keys[i] = B64($"bench/{i}");
        }
    }

    public string Name => "etcd";

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private async Task<JsonDocument> PostAsync(Uri uri, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = Json;
        using var response = await _client.PostAsync(uri, content, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {text}", null, response.StatusCode);
        }

        return JsonDocument.Parse(text);
    }

    public async Task PutAsync(int key, byte[] value, CancellationToken ct) =>
        (await PostAsync(_put, $$"""{"key":"{{_keys[key]}}","value":"{{Convert.ToBase64String(value)}}"}""", ct).ConfigureAwait(false)).Dispose();

    public async Task GetAsync(int key, CancellationToken ct)
    {
        using var document = await PostAsync(_range, $$"""{"key":"{{_keys[key]}}"}""", ct).ConfigureAwait(false);
        if (!document.RootElement.TryGetProperty("kvs", out _))
        {
            throw new IOException($"etcd has no key bench/{key}.");
        }
    }

    public async Task CreateAsync(int client, long sequence, byte[] value, CancellationToken ct)
    {
        var key = B64($"bench/c/{RunId}-{client}-{sequence}");
        var body = $$$"""{"compare":[{"key":"{{{key}}}","target":"CREATE","result":"EQUAL","create_revision":"0"}],"success":[{"request_put":{"key":"{{{key}}}","value":"{{{Convert.ToBase64String(value)}}}"}}]}""";
        using var document = await PostAsync(_txn, body, ct).ConfigureAwait(false);
        if (!Succeeded(document))
        {
            throw new IOException("etcd: the key to create exists.");
        }
    }

    public async Task<long> VersionAsync(int key, CancellationToken ct)
    {
        using var document = await PostAsync(_range, $$"""{"key":"{{_keys[key]}}"}""", ct).ConfigureAwait(false);
        return long.Parse(document.RootElement.GetProperty("kvs")[0].GetProperty("mod_revision").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> CasAsync(int key, long expected, byte[] value, CancellationToken ct)
    {
        var body = $$$"""{"compare":[{"key":"{{{_keys[key]}}}","target":"MOD","result":"EQUAL","mod_revision":"{{{expected}}}"}],"success":[{"request_put":{"key":"{{{_keys[key]}}}","value":"{{{Convert.ToBase64String(value)}}}"}}]}""";
        using var document = await PostAsync(_txn, body, ct).ConfigureAwait(false);
        return Succeeded(document)
            ? long.Parse(document.RootElement.GetProperty("header").GetProperty("revision").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : throw new IOException($"etcd: bench/{key} is no longer at mod revision {expected}.");
    }

    private static bool Succeeded(JsonDocument document) =>
        document.RootElement.TryGetProperty("succeeded", out var s) && s.ValueKind == JsonValueKind.True;

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

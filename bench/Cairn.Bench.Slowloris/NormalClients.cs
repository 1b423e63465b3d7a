using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Cairn.Bench.Slowloris;

/// <summary>
/// The clients whose latency is measured: each on one keep-alive HTTP/1.1 connection of its own, made afresh for each
/// measurement (so a measurement under attack includes getting a connection accepted), from
/// <see cref="SlowlorisOptions.ClientAddress"/>; each alternates a PUT and a GET of a small value on a key of its own.
/// </summary>
internal sealed class NormalClients(SlowlorisOptions options)
{
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private static readonly byte[] Value = Encoding.ASCII.GetBytes(new string('v', 100));

    /// <summary>Runs <paramref name="requests"/> requests over all clients; returns every latency and the failures.</summary>
    public async Task<(List<double> Milliseconds, int Errors, string? FirstError)> MeasureAsync(int requests, CancellationToken cancellationToken)
    {
        var perClient = Math.Max(1, requests / options.Clients);
        var results = await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => ClientAsync(c, perClient, cancellationToken))).ConfigureAwait(false);
        return ([.. results.SelectMany(r => r.Milliseconds)], results.Sum(r => r.Errors), results.Select(r => r.FirstError).FirstOrDefault(e => e is not null));
    }

    private async Task<(List<double> Milliseconds, int Errors, string? FirstError)> ClientAsync(int client, int count, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = ConnectAsync,
        };
        using var http = new HttpClient(handler) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(10), DefaultRequestVersion = HttpVersion.Version11 };
        var latencies = new List<double>(count);
        var errors = 0;
        string? firstError = null;
        var key = $"slowloris/{RunId}/{client}";
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var request = i % 2 == 0 ? Put(key) : Get(key);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                errors++;
                firstError ??= e.Message;
            }
        }

        return (latencies, errors, firstError);
    }

    private HttpRequestMessage Put(string key)
    {
        if (options.Target == "etcd")
        {
            var body = $$"""{"key":"{{B64(key)}}","value":"{{Convert.ToBase64String(Value)}}"}""";
            return new HttpRequestMessage(HttpMethod.Post, "v3/kv/put") { Content = new StringContent(body, Encoding.UTF8, Json) };
        }

        var content = new ByteArrayContent(Value);
        content.Headers.ContentType = OctetStream;
        return new HttpRequestMessage(HttpMethod.Put, "v1/kv/" + key) { Content = content };
    }

    private HttpRequestMessage Get(string key) => options.Target == "etcd"
        ? new HttpRequestMessage(HttpMethod.Post, "v3/kv/range") { Content = new StringContent($$"""{"key":"{{B64(key)}}"}""", Encoding.UTF8, Json) }
        : new HttpRequestMessage(HttpMethod.Get, "v1/kv/" + key);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Connects from the normal clients' own address, so the per-address cap that holds the attacker back is
    /// not theirs.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(options.ClientAddress, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// A client of Cairn's <c>/v1</c> HTTP API, over TCP or a Unix socket. It implements <see cref="IKeyspace"/> with the
/// same results and the same typed exceptions as the in-process store, so code written against the contract runs
/// unchanged against a remote server; it also offers the HTTP API's conveniences (raw values, <c>If-Match</c>,
/// paged listings).
/// </summary>
/// <remarks>
/// <para>Concurrency: one instance is safe to share between threads and should be, since it pools connections.</para>
/// <para>Errors: every problem response becomes the <see cref="CairnException"/> subtype the server raised (via
/// <see cref="ErrorCatalog.FromCode"/>); a server that cannot be reached or does not answer in time is an
/// <see cref="UnavailableException"/>, which is transient. Cancelling the token throws
/// <see cref="OperationCanceledException"/>.</para>
/// </remarks>
public sealed partial class CairnClient : IKeyspace, IDisposable
{
    // Requests are written strictly (WireJson), but responses are read leniently so that a newer server adding a
    // member does not break an older client.
    private static readonly JsonSerializerOptions ReadOptions = new(WireJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string _endpoint;
    private readonly CredentialHandler? _credentials;
    private readonly ClientTls? _tls;
    private readonly bool _h2c;

    /// <summary>Connects to <paramref name="endpoint"/>: <c>http://host:port</c> or <c>unix:/path/to/cairn.sock</c>.</summary>
    /// <exception cref="ArgumentException">The endpoint is neither form.</exception>
    public CairnClient(string endpoint)
        : this(new CairnClientOptions { Endpoint = endpoint })
    {
    }

    /// <summary>Connects as <paramref name="options"/> say: endpoint, credentials and TLS files.</summary>
    /// <exception cref="ArgumentException">The endpoint is neither <c>http://host:port</c> nor <c>unix:/path</c>; or a
    /// credential is incomplete (a user without a password); or a TLS file cannot be read. The message names the option.</exception>
    public CairnClient(CairnClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = CairnEndpoint.Parse(options.Endpoint);
        _endpoint = endpoint.ToString();
        var transport = endpoint.CreateHandler();
        _h2c = options.UseHttp2 && endpoint.IsCleartext;
        try
        {
            _tls = ClientTls.Load(options);
            _tls?.Apply(transport);
            HttpMessageHandler inner = options.UseHttp2 ? new HttpVersionHandler(endpoint.IsCleartext, transport) : transport;
            _credentials = new CredentialHandler(options, endpoint.BaseAddress, _endpoint, inner);
        }
        catch
        {
            transport.Dispose();
            _tls?.Dispose();
            throw;
        }

        _http = new HttpClient(_credentials, disposeHandler: true) { BaseAddress = endpoint.BaseAddress };
        if (options.Timeout is { } timeout)
        {
            _http.Timeout = timeout;
        }

        _ownsHttp = true;
    }

    /// <summary>Uses a caller-made <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server
    /// (e.g. one from a test host). The caller keeps ownership of it, and its handlers are what authenticate (or not)
    /// its requests: <see cref="LoginAsync"/> returns a token but cannot make this client use it.</summary>
    public CairnClient(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        if (httpClient.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the server's address.", nameof(httpClient));
        }

        _http = httpClient;
        _ownsHttp = false;
        _endpoint = httpClient.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>The server this client talks to, as given (normalized).</summary>
    public string Endpoint => _endpoint;

    /// <summary>Closes pooled connections (when this client made its own <see cref="HttpClient"/>).</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        _tls?.Dispose();
    }

    /// <summary>Same as <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static HttpRequestMessage JsonRequest<T>(HttpMethod method, string path, T body) => new(method, path)
    {
        Content = JsonContent(body),
    };

    private static ByteArrayContent JsonContent<T>(T body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Sends a request and reads a JSON answer; every failure becomes a <see cref="CairnException"/>.</summary>
    private Task<T> SendJsonAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return await ReadJsonAsync<T>(response, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Sends <paramref name="request"/> and hands the response to <paramref name="read"/>, turning transport
    /// failures (refused, reset, timed out) into <see cref="UnavailableException"/>.</summary>
    private async Task<T> SendAsync<T>(HttpRequestMessage request, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                return await read(response, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex);
            }
            catch (IOException ex)
            {
                throw new UnavailableException($"The connection to the Cairn server at {_endpoint} failed: {ex.Message}", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new UnavailableException($"The Cairn server at {_endpoint} did not answer within {_http.Timeout.TotalSeconds:0.###} s.", ex);
            }
        }
    }

    /// <summary>The error for a request that found no server to answer it.</summary>
    private UnavailableException Unreachable(HttpRequestException ex)
    {
        // Prior-knowledge HTTP/2 is what a server or proxy that speaks only HTTP/1.1 fails on: say how to avoid it.
        var hint = _h2c && ex.HttpRequestError is HttpRequestError.HttpProtocolError or HttpRequestError.VersionNegotiationError or HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded
            ? " This client speaks HTTP/2 in cleartext: if the server, or a proxy in between, speaks only HTTP/1.1, turn HTTP/2 off (UseHttp2 = false; the CLI's --http1 or CAIRN_HTTP1=1)."
            : "";
        return new UnavailableException($"Cannot reach the Cairn server at {_endpoint}: {ex.Message}{hint}", ex);
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, ReadOptions, cancellationToken).ConfigureAwait(false)
                    ?? throw new InternalErrorException("The server sent an empty JSON body.");
            }
        }
        catch (JsonException ex)
        {
            throw new InternalErrorException($"The server's answer is not the JSON this client expects: {ex.Message}");
        }
    }

    /// <summary>Throws the typed exception of an error response; returns for a success.</summary>
    private static async Task ThrowIfProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        throw ToException(response.StatusCode, body);
    }

    internal static CairnException ToException(HttpStatusCode status, byte[] body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
            {
                var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : code.GetString()!;
                return ErrorCatalog.FromCode(
                    code.GetString()!,
                    detail,
                    name => root.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out var v) ? v : null,
                    name => root.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's error page, say): fall through and report the status.
        }

        var reason = $"The server answered {(int)status} {status} without a Cairn problem document.";
        return status switch
        {
            HttpStatusCode.ServiceUnavailable => new UnavailableException(reason),

            // A proxy in front of the server may refuse on its own; keep the kind of refusal.
            HttpStatusCode.Unauthorized => new UnauthenticatedException(reason),
            HttpStatusCode.Forbidden => new ForbiddenException(reason),
            HttpStatusCode.TooManyRequests => new TooManyRequestsException(reason, TimeSpan.FromSeconds(1)),
            _ => new InternalErrorException(reason),
        };
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>Sends <see cref="AttackRequest"/>s as a given caller, and asserts refusals as an attacker sees them.</summary>
internal static class AttackHttp
{
    /// <summary>A deadline against a hang, not a measure of speed: generous for a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Sends <paramref name="request"/> as <paramref name="who"/>, with its placeholders filled.</summary>
    public static async Task<Answer> SendAsync(SecureServer server, Who who, AttackRequest request, IReadOnlyDictionary<string, string> values)
    {
        using var http = server.Http(who, request.Listener);
        var body = request.Body is null ? null : AttackRoutes.Fill(request.Body, values);
        return await SendAsync(http, request.Method, AttackRoutes.Fill(request.Path, values), body, request.ContentType, request.Shape == AttackShape.Stream);
    }

    /// <summary>Sends a request and reads its answer; a stream's body is read only when it is not a stream (a refusal).</summary>
    public static async Task<Answer> SendAsync(HttpClient http, string method, string path, string? body = null, string contentType = "application/json", bool stream = false)
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), path);
        return await SendAsync(http, message, path, body, contentType, stream);
    }

    /// <summary>Sends <paramref name="target"/> exactly as written (no dot-segment removal, no escaping) to the client's
    /// address, as a hand-made request would be.</summary>
    public static async Task<Answer> SendRawAsync(HttpClient http, string method, string target, string? body = null, string contentType = "text/plain")
    {
        var uri = new Uri(http.BaseAddress!.GetLeftPart(UriPartial.Authority) + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var message = new HttpRequestMessage(new HttpMethod(method), uri);
        return await SendAsync(http, message, target, body, contentType, stream: true);
    }

    private static async Task<Answer> SendAsync(HttpClient http, HttpRequestMessage message, string target, string? body, string contentType, bool stream)
    {
        if (body is not null)
        {
            message.Content = new StringContent(body, Encoding.UTF8);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var deadline = new CancellationTokenSource(Deadline);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var text = stream && mediaType == "text/event-stream" ? "(stream)" : await response.Content.ReadAsStringAsync(deadline.Token);
        return new Answer(message.Method.Method, target, (int)response.StatusCode, text, mediaType, response.Headers.WwwAuthenticate.ToString(), response.Headers.RetryAfter?.ToString());
    }

    /// <summary>Asserts the refusal an attacker must get: 401 <c>unauthenticated</c> with <c>WWW-Authenticate: Bearer</c> for
    /// <see cref="Who.Anonymous"/>, 403 <c>permission_denied</c> for a known caller; both as problem details.</summary>
    public static void AssertRefused(Answer answer, Who who, string what)
    {
        var (status, code) = who == Who.Anonymous ? (401, "unauthenticated") : (403, "permission_denied");
        Assert.True(answer.Status == status, $"{what} as {who}: expected {status}, got {answer}");
        if (answer.Method != "HEAD")
        {
            Assert.True(answer.MediaType == "application/problem+json", $"{what} as {who}: the refusal is not a problem: {answer}");
            Assert.True(JsonDocument.Parse(answer.Body).RootElement.GetProperty("code").GetString() == code, $"{what} as {who}: expected code {code}: {answer}");
        }

        if (status == 401)
        {
            Assert.True(answer.WwwAuthenticate.Contains("Bearer", StringComparison.OrdinalIgnoreCase), $"{what}: a 401 without WWW-Authenticate: Bearer: {answer}");
        }
    }

    /// <summary>Asserts a 401 (unauthenticated), whatever else the answer says.</summary>
    public static void AssertUnauthenticated(Answer answer, string what) =>
        Assert.True(answer.Status == 401, $"{what}: expected 401, got {answer}");

    /// <summary>Opens the watch WebSocket as a caller (<paramref name="authorization"/>: none for anonymous); null with
    /// the status when the upgrade is refused.</summary>
    public static async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> ConnectWatchAsync(SecureServer server, AuthenticationHeaderValue? authorization)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization.ToString());
        }

        var uri = new Uri(server.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch");
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Deadline);
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    public static Task SendJsonAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(Deadline);

    /// <summary>The next message on the socket; null when the server closed it (or the connection broke).</summary>
    public static async Task<JsonElement?> ReceiveAsync(ClientWebSocket socket, TimeSpan? deadline = null)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(deadline ?? Deadline);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                }
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>An answer, printed whole in failures (its body cut).</summary>
    public sealed record Answer(string Method, string Path, int Status, string Body, string? MediaType, string WwwAuthenticate, string? RetryAfter)
    {
        public override string ToString() => $"{Method} {Path} → {Status} {MediaType} {(Body.Length > 400 ? Body[..400] + "…" : Body)}";
    }
}

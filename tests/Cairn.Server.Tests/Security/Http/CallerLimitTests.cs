using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>Limits per caller: requests per second (the rate limiter, on the server's clock) and open streams.</summary>
public sealed class CallerLimitTests : IClassFixture<CallerLimitTests.RateFixture>, IClassFixture<CallerLimitTests.StreamFixture>
{
    private readonly RateFixture _rate;
    private readonly StreamFixture _streams;

    public CallerLimitTests(RateFixture rate, StreamFixture streams)
    {
        _rate = rate;
        _streams = streams;
    }

    /// <summary>2 requests a second, 5 at once.</summary>
    public sealed class RateFixture : FakeClockAuthServerFixture
    {
        public RateFixture()
        {
            Settings["Auth:RequestsPerSecond"] = "2";
            Settings["Auth:Burst"] = "5";
        }
    }

    /// <summary>At most 2 open streams per caller.</summary>
    public sealed class StreamFixture : AuthServerFixture
    {
        public StreamFixture() => Settings["Auth:MaxWatchesPerUser"] = "2";
    }

    [Fact]
    public async Task ACallerPastItsRate_GetsTooManyRequestsWithRetryAfter_UntilTheBucketRefills()
    {
        using var root = _rate.UnixHttp();
        await AuthHttp.AddUserAsync(root, "rate-user", "pw", []);
        await AuthHttp.AddUserAsync(root, "rate-other", "pw", []);
        using var user = AuthHttp.Basic(_rate.TcpEndpoint, "rate-user", "pw");
        using var other = AuthHttp.Basic(_rate.TcpEndpoint, "rate-other", "pw");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/v1/auth/status")).StatusCode);
        }

        var refused = await user.GetAsync("/v1/auth/status");
        var problem = await Problems.AssertAsync(refused, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.True(problem.GetProperty("retryAfterSeconds").GetInt64() >= 1);

        // Another caller has a bucket of its own.
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/v1/auth/status")).StatusCode);

        // Half a second later one token is back (2 a second): one request, then refused again.
        _rate.Clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/v1/auth/status")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await user.GetAsync("/v1/auth/status")).StatusCode);

        // Anonymous callers are limited too (by address).
        using var anonymous = _rate.TcpHttp();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            statuses.Add((await anonymous.GetAsync("/v1/auth/status")).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task ACallerPastItsStreamCap_GetsTooManyRequests_UntilOneCloses()
    {
        using var root = _streams.UnixHttp();
        await AuthHttp.AddUserAsync(root, "stream-user", "pw", ["root"]);
        using var anonymous = _streams.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "stream-user", "pw");
        using var user = AuthHttp.Bearer(_streams.TcpEndpoint, token.Token);

        // One asks for an event stream, one does not say (it is counted when the stream starts).
        using var first = await SseStream.OpenAsync(EventStreamClient(_streams.TcpEndpoint, token.Token), "/v1/watch?key=cap/&prefix=true");
        var second = await SseStream.OpenAsync(user, "/v1/watch?key=cap/&prefix=true");

        var third = await SseStream.SendAsync(EventStreamClient(_streams.TcpEndpoint, token.Token), "/v1/watch?key=cap/&prefix=true");
        await Problems.AssertAsync(third, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        Assert.True(third.Headers.Contains("Retry-After"));
        await Problems.AssertAsync(await SseStream.SendAsync(user, "/v1/watch?key=cap/&prefix=true"), HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);

        // A watch socket is a stream too.
        using (var socket = new ClientWebSocket())
        {
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token.Token);
            var ws = new Uri(_streams.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch");
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ws, CancellationToken.None));
            Assert.Equal(HttpStatusCode.TooManyRequests, socket.HttpStatusCode);
        }

        // Another caller is not affected.
        using var rootStream = await SseStream.OpenAsync(AuthHttp.Basic(_streams.TcpEndpoint, "root", AuthHttp.RootPassword), "/v1/watch?key=cap/&prefix=true");

        // Once one stream closes, the server lets the next in.
        second.Dispose();
        await Eventually.UntilAsync(
            async () =>
            {
                var next = await SseStream.SendAsync(user, "/v1/watch?key=cap/&prefix=true");
                if (next.StatusCode == HttpStatusCode.OK)
                {
                    next.Dispose();
                    return true;
                }

                return false;
            },
            TimeSpan.FromSeconds(30),
            "a stream is let in after one closed");
    }

    private static HttpClient EventStreamClient(string endpoint, string token)
    {
        var http = AuthHttp.Bearer(endpoint, token);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return http;
    }
}

using System.Net;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>Failed-login throttling on the server's clock: after Auth:MaxFailedLogins failures, every attempt is refused
/// — a correct password too — until the wait passes; the wait doubles with each further failure.</summary>
public sealed class LoginThrottleTests(FakeClockAuthServerFixture fixture) : IClassFixture<FakeClockAuthServerFixture>
{
    [Fact]
    public async Task AWrongPassword100Times_IsThrottled_AndACorrectOneWaitsOutTheBackoff()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "victim", "correct", []);
        using var attacker = fixture.TcpHttp();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 100; i++)
        {
            last = await AuthHttp.TryLoginAsync(attacker, "victim", "guess" + i);
            statuses.Add(last.StatusCode);
        }

        // Five guesses are checked (the default Auth:MaxFailedLogins); the other 95 are refused unchecked.
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(95, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        var problem = await Problems.AssertAsync(last!, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        Assert.Equal("1", last!.Headers.GetValues("Retry-After").Single());
        Assert.Equal(1, problem.GetProperty("retryAfterSeconds").GetInt64());

        // The right password is refused too while the wait lasts, by login and by basic auth.
        await Problems.AssertAsync(await AuthHttp.TryLoginAsync(attacker, "victim", "correct"), HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        using (var basic = AuthHttp.Basic(fixture.TcpEndpoint, "victim", "correct"))
        {
            await Problems.AssertAsync(await basic.GetAsync("/v1/auth/status"), HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        }

        // One more failure after the wait doubles it.
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await AuthHttp.AssertUnauthenticatedAsync(await AuthHttp.TryLoginAsync(attacker, "victim", "guess-again"));
        var doubled = await AuthHttp.TryLoginAsync(attacker, "victim", "correct");
        await Problems.AssertAsync(doubled, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        Assert.Equal("2", doubled.Headers.GetValues("Retry-After").Single());

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        await AuthHttp.LoginAsync(attacker, "victim", "correct");

        // A success resets the count: five more guesses are checked before the next wait.
        for (var i = 0; i < 5; i++)
        {
            await AuthHttp.AssertUnauthenticatedAsync(await AuthHttp.TryLoginAsync(attacker, "victim", "after" + i));
        }

        await Problems.AssertAsync(await AuthHttp.TryLoginAsync(attacker, "victim", "correct"), HttpStatusCode.TooManyRequests, ErrorCodes.TooManyRequests);
        Assert.Contains(AuthHttp.AuditLines(fixture.AuditFile), l => l.GetProperty("event").GetString() == "auth.throttled" && l.GetProperty("who").GetString() == "victim");
    }

    [Fact]
    public async Task ParallelGuesses_GetNoMoreTriesThanSequentialOnes()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "parallel-victim", "correct", []);
        // Over the Unix socket: an address of its own, apart from the other test's 127.0.0.1.
        var attempts = Enumerable.Range(0, 40).Select(async i =>
        {
            using var http = fixture.UnixHttp();
            return (await AuthHttp.TryLoginAsync(http, "parallel-victim", "guess" + i)).StatusCode;
        });
        var statuses = await Task.WhenAll(attempts);
        Assert.True(statuses.Count(s => s == HttpStatusCode.Unauthorized) <= 5, string.Join(", ", statuses));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
    }
}

using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// Locks, elections, barriers and queues over HTTP, with sessions from <c>/v1/leases</c>: a lock's second acquirer
/// gives up with 409 after its wait, a client that hangs up while waiting leaves nothing queued, leaders are observed
/// as a stream, a double barrier lets a full round through, a queue delivers, takes acks and redelivers what was given back.
/// </summary>
public sealed class RecipeHttpTests(CoordinationServerFixture fixture) : IClassFixture<CoordinationServerFixture>
{
    [Fact]
    public async Task ALock_IsHeldOnce_ASecondAcquirerGivesUp_AndOneThatHangsUpLeavesNoKey()
    {
        using var http = fixture.TcpHttp();
        var name = Coord.NewName("lock");
        var (first, second) = (await Coord.LeaseAsync(http), await Coord.LeaseAsync(http));
        var grant = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/locks/{name}", $$"""{"lease":{{first}},"owner":"first"}"""), HttpStatusCode.OK);
        Assert.True(grant.GetProperty("held").GetBoolean());
        var key = grant.GetProperty("key").GetString()!;
        var token = grant.GetProperty("token").GetInt64();
        Assert.StartsWith($"/cairn/locks/{name}/", key, StringComparison.Ordinal);

        var refused = await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/locks/{name}", $$"""{"lease":{{second}},"waitSeconds":0.5}"""), HttpStatusCode.Conflict, "conflict");
        Assert.Contains(name, refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal([key], await QueueAsync(http, name));

        // A waiter that hangs up: its key goes with it.
        using (var waiter = fixture.TcpHttp())
        {
            var waiting = Coord.PostJsonAsync(waiter, $"/v1/locks/{name}", $$"""{"lease":{{second}},"owner":"impatient"}""");
            await Eventually.UntilAsync(async () => (await QueueAsync(http, name)).Count == 2, Coord.Deadline, "the second acquirer is queued");
            waiter.CancelPendingRequests();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }

        await Eventually.UntilAsync(async () => (await QueueAsync(http, name)).SequenceEqual([key]), Coord.Deadline, "only the holder is left once the waiter hung up");

        using (var released = await http.DeleteAsync($"/v1/locks/{name}?key={Uri.EscapeDataString(key)}&token={token}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        await Problems.AssertAsync(await http.DeleteAsync($"/v1/locks/{name}?key={Uri.EscapeDataString(key)}&token={token}"), HttpStatusCode.NotFound, "not_found");
        var next = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/locks/{name}", $$"""{"lease":{{second}},"waitSeconds":0}"""), HttpStatusCode.OK);
        Assert.True(next.GetProperty("token").GetInt64() > token, "a later holder's fencing token is larger");
        await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/locks/{name}", """{"lease":123456789012,"waitSeconds":0}"""), HttpStatusCode.NotFound, "lease_not_found");
    }

    [Fact]
    public async Task AnElection_IsObserved_AsTheLeaderProclaims_Resigns_AndTheNextTakesOver()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var name = Coord.NewName("election");
        var (a, b) = (await Coord.LeaseAsync(http), await Coord.LeaseAsync(http));
        using var observe = await SseStream.OpenAsync(http, $"/v1/elections/{name}/observe");
        await Problems.AssertAsync(await http.GetAsync($"/v1/elections/{name}"), HttpStatusCode.NotFound, "not_found");

        var first = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/elections/{name}/campaign", $$"""{"lease":{{a}},"value":"node-a"}"""), HttpStatusCode.OK);
        var leadership = $$"""{"key":"{{first.GetProperty("key").GetString()}}","token":{{first.GetProperty("token").GetInt64()}}""";
        await ExpectLeaderAsync(observe, "node-a");

        var proclaimed = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/elections/{name}/proclaim", leadership + ""","value":"node-a:2"}"""), HttpStatusCode.OK);
        Assert.Equal("node-a:2", proclaimed.GetProperty("value").GetString());
        await ExpectLeaderAsync(observe, "node-a:2");

        await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/elections/{name}/campaign", $$"""{"lease":{{b}},"value":"node-b","waitSeconds":0.5}"""), HttpStatusCode.Conflict, "conflict");
        using var other = fixture.TcpHttp();
        other.Timeout = Timeout.InfiniteTimeSpan;
        var campaigning = Coord.PostJsonAsync(other, $"/v1/elections/{name}/campaign", $$"""{"lease":{{b}},"value":"node-b"}""");
        using (var resigned = await Coord.PostJsonAsync(http, $"/v1/elections/{name}/resign", leadership + "}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, resigned.StatusCode);
        }

        var second = await Coord.JsonAsync(await campaigning.WaitAsync(Coord.Deadline), HttpStatusCode.OK);
        Assert.True(second.GetProperty("token").GetInt64() > first.GetProperty("token").GetInt64());
        await ExpectLeaderAsync(observe, "node-b");
        var leader = await Coord.JsonAsync(await http.GetAsync($"/v1/elections/{name}"), HttpStatusCode.OK);
        Assert.Equal("node-b", leader.GetProperty("value").GetString());

        // The old leadership can no longer speak.
        await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/elections/{name}/proclaim", leadership + ""","value":"stale"}"""), HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task ADoubleBarrierOfThree_LetsThreeEnterTogether_AndTheyLeaveTogether()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var name = Coord.NewName("barrier");
        var leases = new[] { await Coord.LeaseAsync(http), await Coord.LeaseAsync(http), await Coord.LeaseAsync(http) };

        // One alone does not pass.
        await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/barriers/{name}/enter", $$"""{"lease":{{leases[0]}},"count":3,"waitSeconds":0.3}"""), HttpStatusCode.Conflict, "conflict");

        var entering = leases.Select(async lease =>
        {
            using var client = fixture.TcpHttp();
            client.Timeout = Timeout.InfiniteTimeSpan;
            return await Coord.JsonAsync(await Coord.PostJsonAsync(client, $"/v1/barriers/{name}/enter", $$"""{"lease":{{lease}},"count":3}"""), HttpStatusCode.OK);
        }).ToList();
        var entries = await Task.WhenAll(entering).WaitAsync(Coord.Deadline);
        Assert.Single(entries.Select(e => e.GetProperty("round").GetInt64()).Distinct());
        Assert.Equal(3, entries.Select(e => e.GetProperty("participant").GetString()).Distinct().Count());

        var leaving = entries.Select(async entry =>
        {
            using var client = fixture.TcpHttp();
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var left = await Coord.PostJsonAsync(client, $"/v1/barriers/{name}/leave?waitSeconds=60", entry.GetRawText());
            return left.StatusCode;
        });
        Assert.All(await Task.WhenAll(leaving).WaitAsync(Coord.Deadline), s => Assert.Equal(HttpStatusCode.NoContent, s));
    }

    [Fact]
    public async Task ASimpleBarrier_HoldsWaitersUntilReleased()
    {
        using var http = fixture.TcpHttp();
        var name = Coord.NewName("gate");
        var held = await Coord.JsonAsync(await http.PutAsync($"/v1/barriers/{name}", null), HttpStatusCode.OK);
        Assert.True(held.GetProperty("held").GetBoolean());
        var ranOut = await Coord.JsonAsync(await http.PostAsync($"/v1/barriers/{name}/wait?waitSeconds=0.2", null), HttpStatusCode.OK);
        Assert.True(ranOut.GetProperty("held").GetBoolean());

        using var waiter = fixture.TcpHttp();
        var waiting = waiter.PostAsync($"/v1/barriers/{name}/wait?waitSeconds=60", null);
        using (var released = await http.DeleteAsync($"/v1/barriers/{name}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        var passed = await Coord.JsonAsync(await waiting.WaitAsync(Coord.Deadline), HttpStatusCode.OK);
        Assert.False(passed.GetProperty("held").GetBoolean());
        await Problems.AssertAsync(await http.DeleteAsync($"/v1/barriers/{name}"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AQueue_DeliversInOrder_TakesAcks_AndRedeliversWhatWasGivenBack()
    {
        using var http = fixture.TcpHttp();
        var name = Coord.NewName("queue");
        var consumer = await Coord.LeaseAsync(http);
        foreach (var value in new[] { "a", "b" })
        {
            await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/queues/{name}", $$"""{"value":"{{value}}"}"""), HttpStatusCode.Created);
        }

        var dequeue = $$"""{"lease":{{consumer}},"waitSeconds":0}""";
        var a = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/queues/{name}/dequeue", dequeue), HttpStatusCode.OK);
        var b = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/queues/{name}/dequeue", dequeue), HttpStatusCode.OK);
        Assert.Equal(("a", "b"), (a.GetProperty("value").GetString(), b.GetProperty("value").GetString()));
        using (var empty = await Coord.PostJsonAsync(http, $"/v1/queues/{name}/dequeue", $$"""{"lease":{{consumer}},"waitSeconds":0.2}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        }

        var state = await Coord.JsonAsync(await http.GetAsync($"/v1/queues/{name}"), HttpStatusCode.OK);
        Assert.Equal((0, 2), (state.GetProperty("ready").GetInt32(), state.GetProperty("inFlight").GetInt32()));

        var aId = a.GetProperty("id").GetString();
        var bId = b.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/v1/queues/{name}/items/{aId}/ack?lease={consumer}", null)).StatusCode);
        await Problems.AssertAsync(await http.PostAsync($"/v1/queues/{name}/items/{aId}/ack?lease={consumer}", null), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/v1/queues/{name}/items/{bId}/nack?lease={consumer}", null)).StatusCode);

        var again = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/queues/{name}/dequeue", dequeue), HttpStatusCode.OK);
        Assert.Equal(bId, again.GetProperty("id").GetString());
        Assert.Equal(2, again.GetProperty("deliveries").GetInt32());
    }

    private static async Task<List<string>> QueueAsync(HttpClient http, string name)
    {
        var state = await Coord.JsonAsync(await http.GetAsync($"/v1/locks/{name}"), HttpStatusCode.OK);
        return [.. state.GetProperty("queue").EnumerateArray().Select(g => g.GetProperty("key").GetString()!)];
    }

    private static async Task ExpectLeaderAsync(SseStream observe, string value)
    {
        var next = await Coord.NextOfTypeAsync(observe, "leader");
        Assert.Equal(value, next.Data.GetProperty("value").GetString());
        Assert.Equal(next.Data.GetProperty("revision").GetInt64(), next.Id);
    }
}

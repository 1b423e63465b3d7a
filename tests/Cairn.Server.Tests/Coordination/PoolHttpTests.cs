using System.Net;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// The buddy circle over HTTP: members in join order with their buddies (the first's the last), joins and leaves as a
/// stream, and a member's own stream, run by the server while it is open, that takes over a dead buddy's in-flight
/// items exactly once when the buddy's session is revoked, then watches the next one.
/// </summary>
public sealed class PoolHttpTests(CoordinationServerFixture fixture) : IClassFixture<CoordinationServerFixture>
{
    [Fact]
    public async Task AMemberWhoseBuddyDies_TakesOverItsItems_AndWatchesTheNextOne()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var pool = Coord.NewName("pool");
        var leases = new[] { await Coord.LeaseAsync(http), await Coord.LeaseAsync(http), await Coord.LeaseAsync(http) };
        var members = new List<string>();
        long joinedAt = 0;
        foreach (var (lease, i) in leases.Select((l, i) => (l, i)))
        {
            var member = await Coord.JsonAsync(await Coord.PostJsonAsync(http, $"/v1/pools/{pool}/members", $$"""{"lease":{{lease}},"name":"svc-{{i}}"}"""), HttpStatusCode.Created);
            members.Add(member.GetProperty("id").GetString()!);
            joinedAt = joinedAt == 0 ? member.GetProperty("joinRevision").GetInt64() : joinedAt;
        }

        var circle = await Coord.JsonAsync(await http.GetAsync($"/v1/pools/{pool}"), HttpStatusCode.OK);
        Assert.Equal(members, circle.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal([members[2], members[0], members[1]], circle.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("buddy").GetString()));
        var pools = await Coord.JsonAsync(await http.GetAsync("/v1/pools"), HttpStatusCode.OK);
        Assert.Contains(pool, pools.GetProperty("pools").EnumerateArray().Select(p => p.GetString()));

        // The pool's joins from the first one's revision: all three, in order.
        using var events = await SseStream.OpenAsync(http, $"/v1/pools/{pool}/events?fromRevision={joinedAt}");
        for (var i = 0; i < 3; i++)
        {
            var joined = await events.NextAsync();
            Assert.Equal(("joined", members[i]), (joined.Type, joined.Data.GetProperty("member").GetString()));
        }

        // The third member watches the second, which holds an in-flight item.
        using var follow = await SseStream.OpenAsync(http, $"/v1/pools/{pool}/members/{members[2]}/events");
        var buddy = await Coord.NextOfTypeAsync(follow, "buddy");
        Assert.Equal(members[1], buddy.Data.GetProperty("buddy").GetString());
        var item = await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/pools/{pool}/members/{members[1]}/items/tx-1", """{"value":"deploy run-1235"}"""), HttpStatusCode.OK);
        Assert.Equal(members[1], item.GetProperty("member").GetString());

        using (var revoked = await http.DeleteAsync($"/v1/leases/{leases[1]}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        var takeover = await Coord.NextOfTypeAsync(follow, "takeover");
        Assert.Equal(members[1], takeover.Data.GetProperty("from").GetString());
        Assert.Equal(["tx-1"], takeover.Data.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()));
        var nextBuddy = await Coord.NextOfTypeAsync(follow, "buddy");
        Assert.Equal(members[0], nextBuddy.Data.GetProperty("buddy").GetString());

        var left = await Coord.NextOfTypeAsync(events, "left");
        Assert.Equal(members[1], left.Data.GetProperty("member").GetString());
        var items = await Coord.JsonAsync(await http.GetAsync($"/v1/pools/{pool}/members/{members[2]}/items"), HttpStatusCode.OK);
        var moved = Assert.Single(items.EnumerateArray());
        Assert.Equal(("tx-1", members[1], "deploy run-1235"), (moved.GetProperty("item").GetString(), moved.GetProperty("from").GetString(), moved.GetProperty("value").GetString()));
        Assert.Empty((await Coord.JsonAsync(await http.GetAsync($"/v1/pools/{pool}/members/{members[1]}/items"), HttpStatusCode.OK)).EnumerateArray());

        // Finishing the item and leaving.
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/pools/{pool}/members/{members[2]}/items/tx-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/pools/{pool}/members/{members[0]}")).StatusCode);
        await Problems.AssertAsync(await http.DeleteAsync($"/v1/pools/{pool}/members/{members[0]}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync($"/v1/pools/{pool}/members/{members[1]}/events"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await Coord.PutJsonAsync(http, $"/v1/pools/{pool}/members/{members[1]}/items/tx-2", """{"value":"late"}"""), HttpStatusCode.NotFound, "not_found");
    }
}

using System.Net;
using System.Text;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// Bad input to the runs API is refused with a problem that names what is wrong, before any WebSocket upgrade, and
/// nothing is written: the store revision is the same before and after. The fixture is this class's alone, with nothing
/// that writes on its own (no cluster member, no jobs), so "nothing" can be checked exactly.
/// </summary>
public sealed class RunBadInputTests(RunBadInputTests.QuietFixture fixture) : IClassFixture<RunBadInputTests.QuietFixture>
{
    public sealed class QuietFixture : CoordinationServerFixture
    {
        public QuietFixture() => Settings["Cluster:Enabled"] = "false";
    }

    private async Task<long> RunWithWalkthroughTopologyAsync(HttpClient http, string id)
    {
        await Coord.CreateRunAsync(http, id);
        return await Coord.RevisionAsync(fixture);
    }

    private async Task AssertUnchangedAsync(long before) => Assert.Equal(before, await Coord.RevisionAsync(fixture));

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"node1":[]}""")]
    [InlineData("""{"node1":[-1]}""")]
    [InlineData("""{"node1":[1,2,1]}""")]
    [InlineData("""{"node/1":[1]}""")]
    [InlineData("""{"node1":[1],"":[2]}""")]
    public async Task AnInvalidTopology_IsA400_AndNothingIsWritten(string topology)
    {
        using var http = fixture.TcpHttp();
        var before = await Coord.RevisionAsync(fixture);
        var id = Coord.NewName("bad");
        var problem = await Problems.AssertAsync(await Coord.PostJsonAsync(http, "/v1/runs", $$"""{"id":"{{id}}","topology":{{topology}}}"""), HttpStatusCode.BadRequest, "invalid_argument");
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));

        // The seed's create, with the same topology as a form.
        using (var compat = await http.PostAsync("/compat/runs/runs", new FormUrlEncodedContent([new("id", id), new("topology", topology)])))
        {
            await Problems.AssertAsync(compat, HttpStatusCode.BadRequest, "invalid_argument");
        }

        await AssertUnchangedAsync(before);
        await Problems.AssertAsync(await http.GetAsync($"/v1/runs/{id}"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task ADuplicateCreate_IsA409_AndTheFirstRunStaysAsItWas()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        var before = await RunWithWalkthroughTopologyAsync(http, id);
        await Problems.AssertAsync(await Coord.PostJsonAsync(http, "/v1/runs", $$$"""{"id":"{{{id}}}","topology":{"other":[7]}}"""), HttpStatusCode.Conflict, "conflict");
        using (var compat = await http.PostAsync("/compat/runs/runs", new FormUrlEncodedContent([new("id", id), new("topology", """{"other" [7]}""")])))
        {
            await Problems.AssertAsync(compat, HttpStatusCode.Conflict, "conflict");
        }

        await AssertUnchangedAsync(before);
        var run = await Coord.JsonAsync(await http.GetAsync($"/v1/runs/{id}"), HttpStatusCode.OK);
        Assert.True(run.GetProperty("topology").TryGetProperty("node1", out _));
    }

    [Fact]
    public async Task UnknownRunsNodesAndIndexes_Are404s_AlsoForAWebSocketUpgrade_WhichIsNeverAccepted()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        var missing = Coord.NewName("missing");
        var before = await RunWithWalkthroughTopologyAsync(http, id);

        string[] gets =
        [
            $"/v1/runs/{missing}", $"/v1/runs/{missing}/events", $"/v1/runs/{missing}/params", $"/v1/runs/{missing}/params/p",
            $"/v1/runs/{id}/nodes/node3/1/params/p", $"/v1/runs/{id}/nodes/node1/3/params/p",
            $"/compat/runs/runs/{missing}/state", $"/compat/runs/runs/{missing}/nodes/node1/1", $"/compat/runs/runs/{id}/nodes/node3/1",
            $"/compat/runs/runs/{id}/nodes/node1/3", $"/compat/runs/runs/{id}/nodes/node1/3/p1",
        ];
        foreach (var path in gets)
        {
            await Problems.AssertAsync(await http.GetAsync(path), HttpStatusCode.NotFound, "not_found");
        }

        string[] sockets =
        [
            $"/v1/runs/{missing}/events", $"/compat/runs/runs/{missing}/state", $"/compat/runs/runs/{missing}/p1",
            $"/compat/runs/runs/{id}/nodes/node3/1/p1", $"/compat/runs/runs/{id}/nodes/node1/3/p1", $"/compat/runs/runs/{id}/nodes/node1/3",
            $"/compat/runs/runs/{missing}/nodes/node1/1/p1",
        ];
        foreach (var path in sockets)
        {
            Assert.Equal(HttpStatusCode.NotFound, await Coord.RefusedUpgradeAsync(fixture, path));
        }

        foreach (var (node, index) in new[] { ("node3", 1), ("node1", 3) })
        {
            await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/runs/{id}/nodes/{node}/{index}/complete", """{"current":"init","next":"provisioning"}"""), HttpStatusCode.NotFound, "not_found");
            await Problems.AssertAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/nodes/{node}/{index}/params/p", """{"value":"v"}"""), HttpStatusCode.NotFound, "not_found");
            using var compatSet = await http.PutAsync($"/compat/runs/runs/{id}/nodes/{node}/{index}/p", new FormUrlEncodedContent([new("value", "v")]));
            await Problems.AssertAsync(compatSet, HttpStatusCode.NotFound, "not_found");
        }

        await Problems.AssertAsync(await Coord.PostJsonAsync(http, $"/v1/runs/{missing}/nodes/node1/1/complete", """{"current":"init","next":"provisioning"}"""), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{missing}/params/p", """{"value":"v"}"""), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.DeleteAsync($"/v1/runs/{missing}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.DeleteAsync($"/compat/runs/runs/{missing}"), HttpStatusCode.NotFound, "not_found");
        await AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task AnInvalidTransition_IsA422_NamingIt_AndNothingIsWritten()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        var before = await RunWithWalkthroughTopologyAsync(http, id);
        var problem = await Problems.AssertAsync(
            await Coord.PostJsonAsync(http, $"/v1/runs/{id}/nodes/node1/1/complete", """{"current":"init","next":"executing"}"""),
            HttpStatusCode.UnprocessableEntity,
            "invalid_transition");
        Assert.Equal("init", problem.GetProperty("from").GetString());
        Assert.Equal("executing", problem.GetProperty("to").GetString());
        Assert.Contains("executing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using (var compat = await http.PostAsync($"/compat/runs/runs/{id}/nodes/node1/1", new FormUrlEncodedContent([new("current-state", "init"), new("next-state", "executing")])))
        {
            await Problems.AssertAsync(compat, HttpStatusCode.UnprocessableEntity, "invalid_transition");
        }

        await AssertUnchangedAsync(before);
        var run = await Coord.JsonAsync(await http.GetAsync($"/v1/runs/{id}"), HttpStatusCode.OK);
        Assert.Equal(4, run.GetProperty("pending").EnumerateObject().Sum(n => n.Value.GetArrayLength()));
    }

    [Fact]
    public async Task AWrongCurrentState_IsA409_NamingBothStates_AndNothingIsWritten()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        var before = await RunWithWalkthroughTopologyAsync(http, id);
        var problem = await Problems.AssertAsync(
            await Coord.PostJsonAsync(http, $"/v1/runs/{id}/nodes/node1/1/complete", """{"current":"provisioning","next":"executing"}"""),
            HttpStatusCode.Conflict,
            "conflict");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'init'", detail, StringComparison.Ordinal);
        Assert.Contains("'provisioning'", detail, StringComparison.Ordinal);
        await AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task AnOversizeParameter_IsA413_AndNothingIsWritten()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        var before = await RunWithWalkthroughTopologyAsync(http, id);
        var value = new string('x', (64 * 1024) + 1);
        var problem = await Problems.AssertAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/big", $$"""{"value":"{{value}}"}"""), HttpStatusCode.RequestEntityTooLarge, "too_large");
        Assert.Equal(64 * 1024, problem.GetProperty("limit").GetInt64());
        await Problems.AssertAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/nodes/node1/1/params/big", $$"""{"value":"{{value}}"}"""), HttpStatusCode.RequestEntityTooLarge, "too_large");
        using (var compat = await http.PutAsync($"/compat/runs/runs/{id}/nodes/node1/1/big", new FormUrlEncodedContent([new("value", value)])))
        {
            await Problems.AssertAsync(compat, HttpStatusCode.RequestEntityTooLarge, "too_large");
        }

        // Exactly the limit is fine (multi-byte characters count as their UTF-8 bytes).
        var fits = string.Concat(Enumerable.Repeat("é", 32 * 1024));
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(fits));
        await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/big", $$"""{"value":"{{fits}}"}"""), HttpStatusCode.OK);
        Assert.Equal(before + 1, await Coord.RevisionAsync(fixture));
    }

    [Fact]
    public async Task AStaleIfMatch_IsA412_AndNothingIsWritten()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        var set = await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/p", """{"value":"a"}"""), HttpStatusCode.OK);
        var modRevision = set.GetProperty("modRevision").GetInt64();
        var before = await Coord.RevisionAsync(fixture);
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/v1/runs/{id}/params/p") { Content = new StringContent("""{"value":"b"}""", Encoding.UTF8, "application/json") };
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{modRevision - 1}\"");
        await Problems.AssertAsync(await http.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition_failed");
        await AssertUnchangedAsync(before);

        using var current = new HttpRequestMessage(HttpMethod.Put, $"/v1/runs/{id}/params/p") { Content = new StringContent("""{"value":"b"}""", Encoding.UTF8, "application/json") };
        current.Headers.TryAddWithoutValidation("If-Match", $"\"{modRevision}\"");
        var written = await Coord.JsonAsync(await http.SendAsync(current), HttpStatusCode.OK);
        Assert.Equal("b", written.GetProperty("value").GetString());
    }
}

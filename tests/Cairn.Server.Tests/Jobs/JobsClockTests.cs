using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests.Jobs;

/// <summary>Jobs that wait for a time run when the server's clock gets there, and not before.</summary>
public sealed class JobsClockTests(FakeClockJobsServerFixture fixture) : IClassFixture<FakeClockJobsServerFixture>
{
    [Fact]
    public async Task ADelayedJob_StaysScheduled_UntilTheClockPassesItsTime()
    {
        using var http = fixture.TcpHttp();
        var job = await JobsHttp.EnqueueAsync(http, new { type = "cairn.noop", delaySeconds = 600 });
        var id = job.GetProperty("id").GetInt64();
        Assert.Equal("scheduled", job.GetProperty("state").GetString());

        fixture.Clock.Advance(TimeSpan.FromSeconds(300));
        Assert.Equal("scheduled", (await JobsHttp.GetAsync(http, id)).GetProperty("state").GetString());

        fixture.Clock.Advance(TimeSpan.FromSeconds(301));
        await JobsHttp.WaitForStateAsync(http, id, "succeeded");
    }

    [Fact]
    public async Task ASeedScheduledJob_FiresEveryInterval_OnTheServersClock()
    {
        using var pulzar = fixture.PulzarHttp();
        using var http = fixture.TcpHttp();
        var response = await JobsHttp.PostRawAsync(pulzar, "/launch_job/example/example_01", """{"arg1": "tick", "arg2": 5, "scheduled": {"interval": "minutes", "time_unit": 5, "repeat": 1}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JobsHttp.AddedId(await response.Content.ReadAsStringAsync());

        async Task<List<JsonElement>> RunsAsync()
        {
            var list = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs?type=pulzar:example/example_01&limit=1000"), HttpStatusCode.OK);
            return [.. list.GetProperty("jobs").EnumerateArray().Where(j => j.TryGetProperty("recurring", out var r) && r.GetString() == $"pulzar-{id}")];
        }

        Assert.Empty(await RunsAsync());
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(async () => (await RunsAsync()).Any(j => j.GetProperty("state").GetString() == "succeeded"), JobsHttp.Deadline, "the first occurrence ran");

        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(async () => (await RunsAsync()).Count(j => j.GetProperty("state").GetString() == "succeeded") == 2, JobsHttp.Deadline, "the second occurrence ran");

        var log = await http.GetStringAsync($"/v1/jobs/{(await RunsAsync())[0].GetProperty("id").GetInt64()}/log?attempt=1");
        Assert.Contains("Result is: tick/5", log);
        Assert.Equal(HttpStatusCode.OK, (await pulzar.PostAsync($"/cancel_job/{id}", null)).StatusCode);
    }
}

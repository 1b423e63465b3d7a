using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Jobs;

/// <summary>The seed README's job calls, verbatim, against the Pulzar listener: launch a job, schedule one, list them
/// (<c>/admin/jobs</c>), read one with its log, cancel.</summary>
public sealed class JobsPulzarTests(JobsServerFixture fixture) : IClassFixture<JobsServerFixture>
{
    private const string SeedTime = "yyyy-MM-dd HH:mm:ss.ffffff";

    private static DateTime ParseSeedTime(JsonElement value) =>
        DateTime.ParseExact(value.GetString()!, SeedTime, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private async Task<JsonElement> AdminJobsAsync()
    {
        using var http = fixture.PulzarHttp();
        return await JobsHttp.JsonAsync(await http.GetAsync("/admin/jobs"), HttpStatusCode.OK);
    }

    private static JsonElement? Find(JsonElement listing, string list, long id) =>
        listing.GetProperty(list).EnumerateArray().Cast<JsonElement?>().FirstOrDefault(j => j!.Value.GetProperty("job_id").ValueKind == JsonValueKind.Number && j.Value.GetProperty("job_id").GetInt64() == id);

    [Fact]
    public async Task LaunchJob_TheReadmesCurl_RunsTheScript_AndAdminJobsShowsItReady()
    {
        var before = DateTime.UtcNow;

        // curl -X POST -L http://master:[port]/launch_job/example/example_01 -d '{"arg1": "value1", "arg2" : 123}'
        var launch = await Curl.RunAsync("-s", "-X", "POST", "-L", "-w", "\n%{http_code}", $"{fixture.PulzarEndpoint}/launch_job/example/example_01", "-d", """{"arg1": "value1", "arg2" : 123}""");
        Assert.Equal(0, launch.Exit);
        var lines = launch.Stdout.Trim().Split('\n');
        Assert.Equal("200", lines[^1]);
        var id = JobsHttp.AddedId(lines[0]);

        JsonElement item = default;
        await Eventually.UntilAsync(
            async () => Find(await AdminJobsAsync(), "ready", id) is { } found && (item = found).ValueKind == JsonValueKind.Object,
            JobsHttp.Deadline,
            $"job {id} is in the ready list");
        Assert.Equal("example_01", item.GetProperty("job_name").GetString());
        var parameters = JsonDocument.Parse(item.GetProperty("parameters").GetString()!).RootElement;
        Assert.Equal("value1", parameters.GetProperty("arg1").GetString());
        Assert.Equal(123, parameters.GetProperty("arg2").GetInt32());
        Assert.Equal(fixture.Server.Services.GetRequiredService<CairnOptions>().NodeId, item.GetProperty("node").GetString());
        Assert.InRange(ParseSeedTime(item.GetProperty("creation_time")), before.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));

        // GET /admin/jobs/<id>: the log, with what the job wrote, and how long it ran.
        using var http = fixture.PulzarHttp();
        var detail = await JobsHttp.JsonAsync(await http.GetAsync($"/admin/jobs/{id}"), HttpStatusCode.OK);
        Assert.Equal(id, detail.GetProperty("job").GetInt64());
        Assert.Equal("completed", detail.GetProperty("status").GetString());
        Assert.Contains("Result is: value1/123", detail.GetProperty("log").GetString());
        Assert.True(detail.GetProperty("time").GetDouble() >= 0);
    }

    [Fact]
    public async Task LaunchJob_Scheduled_TheReadmesBody_IsListedAsScheduled_UntilCancelled()
    {
        using var http = fixture.PulzarHttp();
        var before = DateTime.UtcNow;
        var response = await JobsHttp.PostRawAsync(http, "/launch_job/example/example_01", """
            {
                "arg1": 12,
                "arg2": 225798,
                "scheduled": {"interval": "minutes", "time_unit": 5, "repeat": 1}
            }
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JobsHttp.AddedId(await response.Content.ReadAsStringAsync());

        var item = Find(await AdminJobsAsync(), "scheduled", id) ?? throw new Xunit.Sdk.XunitException($"job {id} is not in the scheduled list");
        Assert.Equal("example_01", item.GetProperty("job_name").GetString());
        Assert.Equal("minutes", item.GetProperty("interval").GetString());
        Assert.Equal("5", item.GetProperty("time_unit").GetString());
        Assert.Equal(1, item.GetProperty("repeat").GetInt32());
        var parameters = JsonDocument.Parse(item.GetProperty("parameters").GetString()!).RootElement;
        Assert.Equal(225798, parameters.GetProperty("arg2").GetInt32());
        Assert.False(parameters.TryGetProperty("scheduled", out _));
        var created = ParseSeedTime(item.GetProperty("creation_time"));
        Assert.InRange(created, before.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
        Assert.InRange(ParseSeedTime(item.GetProperty("next_execution")) - created, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        // The native API sees the same recurring job.
        using var native = fixture.TcpHttp();
        var recurring = await JobsHttp.JsonAsync(await native.GetAsync($"/v1/jobs/recurring/pulzar-{id}"), HttpStatusCode.OK);
        Assert.Equal("pulzar:example/example_01", recurring.GetProperty("type").GetString());

        // POST /cancel_job/<id> ends the schedule.
        var cancel = await http.PostAsync($"/cancel_job/{id}", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal($"Job {id} cancelled", (await cancel.Content.ReadAsStringAsync()).Trim());
        Assert.Null(Find(await AdminJobsAsync(), "scheduled", id));
    }

    [Fact]
    public async Task AJobThatRaises_IsFailed_WithPulzarErrorInItsLog()
    {
        using var http = fixture.PulzarHttp();
        var response = await JobsHttp.PostRawAsync(http, "/launch_job/example/raises", """{"arg1": 1}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JobsHttp.AddedId(await response.Content.ReadAsStringAsync());

        await Eventually.UntilAsync(async () => Find(await AdminJobsAsync(), "failed", id) is not null, JobsHttp.Deadline, $"job {id} is in the failed list");
        var detail = await JobsHttp.JsonAsync(await http.GetAsync($"/admin/jobs/{id}"), HttpStatusCode.OK);
        Assert.Equal("failed", detail.GetProperty("status").GetString());
        var log = detail.GetProperty("log").GetString()!;
        Assert.Contains("about to divide", log);
        Assert.Contains("PULZAR_ERROR::division by zero", log);
    }

    [Fact]
    public async Task LaunchJob_WithPulzarData_RunsWhereTheValueIs_AndTheScriptReadsItsFile()
    {
        using var http = fixture.PulzarHttp();
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/jobs-data/input.txt", new StringContent("hello data"))).StatusCode);

        var response = await JobsHttp.PostRawAsync(http, "/launch_job/example/reads_data", """{"pulzar_data": "jobs-data/input.txt"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JobsHttp.AddedId(await response.Content.ReadAsStringAsync());

        using var native = fixture.TcpHttp();
        var job = await JobsHttp.WaitForStateAsync(native, id, "succeeded");
        var node = fixture.Server.Services.GetRequiredService<CairnOptions>().NodeId;
        Assert.Equal(node, job.GetProperty("node").GetString());
        var detail = await JobsHttp.JsonAsync(await http.GetAsync($"/admin/jobs/{id}"), HttpStatusCode.OK);
        Assert.Contains("Data is: hello data", detail.GetProperty("log").GetString());
    }

    [Fact]
    public async Task CancelJob_AFinishedJob_Is409_AndAnUnknownOne404()
    {
        using var http = fixture.PulzarHttp();
        var id = JobsHttp.AddedId(await (await JobsHttp.PostRawAsync(http, "/launch_job/example/example_01", """{"arg1": "a", "arg2": 1}""")).Content.ReadAsStringAsync());
        using var native = fixture.TcpHttp();
        await JobsHttp.WaitForStateAsync(native, id, "succeeded");

        await Problems.AssertAsync(await http.PostAsync($"/cancel_job/{id}", null), HttpStatusCode.Conflict, "conflict");
        await Problems.AssertAsync(await http.PostAsync("/cancel_job/999999999", null), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/admin/jobs/999999999"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/admin/jobs/abc"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task TheRoutesAreOnCompatPulzarToo_AndUnknownRoutesListThem()
    {
        using var http = fixture.TcpHttp();
        var response = await JobsHttp.PostRawAsync(http, "/compat/pulzar/launch_job/example/example_01", """{"arg1": "x", "arg2": 2}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JobsHttp.AddedId(await response.Content.ReadAsStringAsync());
        await JobsHttp.WaitForStateAsync(http, id, "succeeded");

        var problem = await Problems.AssertAsync(await http.GetAsync("/compat/pulzar/no_such_route"), HttpStatusCode.NotFound, "not_found");
        Assert.Contains("launch_job", problem.GetProperty("detail").GetString());
        Assert.Contains("add_key", problem.GetProperty("detail").GetString());
    }
}

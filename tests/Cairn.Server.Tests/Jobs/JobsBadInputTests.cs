using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests.Jobs;

/// <summary>Bad input is refused with a problem that names what is wrong, and nothing is written: no job, no recurring
/// job, no process. The fixture is this class's alone, so "nothing" can be checked exactly.</summary>
public sealed class JobsBadInputTests(EmptyJobsServerFixture fixture) : IClassFixture<EmptyJobsServerFixture>
{
    private string Marker => Path.Combine(fixture.DataDir, "pwned");

    private async Task AssertNothingWrittenAsync()
    {
        using var http = fixture.TcpHttp();
        var jobs = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs"), HttpStatusCode.OK);
        Assert.Empty(jobs.GetProperty("jobs").EnumerateArray());
        var recurring = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs/recurring"), HttpStatusCode.OK);
        Assert.Empty(recurring.GetProperty("recurring").EnumerateArray());
        Assert.False(File.Exists(Marker), "no process ran");
    }

    [Theory]
    [InlineData("script:nope.sh", HttpStatusCode.NotFound, "not_found")]
    [InlineData("pulzar:example/nope", HttpStatusCode.NotFound, "not_found")]
    [InlineData("script:../escape.sh", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("script:/bin/sh", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("script:echo.sh;touch {marker}", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("script:echo.sh && touch {marker}", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("script:$(touch {marker})", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("pulzar:example/../../escape", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("pulzar:example//example_01", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("pulzar:example/example_01|touch {marker}", HttpStatusCode.BadRequest, "invalid_argument")]
    public async Task Enqueue_ABadScriptType_IsRefused_AndNothingIsEnqueued(string type, HttpStatusCode status, string code)
    {
        using var http = fixture.TcpHttp();
        type = type.Replace("{marker}", Marker, StringComparison.Ordinal);
        await Problems.AssertAsync(await http.PostAsJsonAsync("/v1/jobs", new { type }), status, code);
        await Problems.AssertAsync(await http.PutAsJsonAsync("/v1/jobs/recurring/bad-type", new { type, cron = "* * * * *" }), status, code);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("/launch_job/example/nope", HttpStatusCode.NotFound, "not_found")]
    [InlineData("/launch_job/nope/example_01", HttpStatusCode.NotFound, "not_found")]
    [InlineData("/launch_job/example/..%2F..%2Fescape", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("/launch_job/example/%2E%2E/example/example_01", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("/launch_job/example//example_01", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("/launch_job/example/example_01%3Btouch%20{marker}", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("/launch_job/example/%24(touch%20{marker})", HttpStatusCode.BadRequest, "invalid_argument")]
    [InlineData("/launch_job/example_01", HttpStatusCode.BadRequest, "invalid_argument")]
    public async Task LaunchJob_ABadOrUnknownScript_IsRefused_AndNothingIsEnqueued(string path, HttpStatusCode status, string code)
    {
        path = path.Replace("{marker}", Uri.EscapeDataString(Marker), StringComparison.Ordinal);
        var (actual, _, body) = await RawHttp.SendAsync(
            fixture.PulzarEndpoint,
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
            "{}"u8.ToArray());
        Assert.True((int)status == actual, $"expected {(int)status}, got {actual}: {body}");
        Assert.Contains(code, body);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("{\"arg1\": ", "JSON")]
    [InlineData("[1, 2]", "object")]
    [InlineData("\"text\"", "object")]
    [InlineData("{\"scheduled\": {\"interval\": \"fortnights\", \"time_unit\": 5, \"repeat\": 1}}", "scheduled.interval")]
    [InlineData("{\"scheduled\": {\"interval\": \"minutes\", \"time_unit\": 0, \"repeat\": 1}}", "scheduled.time_unit")]
    [InlineData("{\"scheduled\": {\"interval\": \"minutes\", \"time_unit\": -5, \"repeat\": 1}}", "scheduled.time_unit")]
    [InlineData("{\"scheduled\": {\"interval\": \"minutes\", \"time_unit\": \"abc\", \"repeat\": 1}}", "scheduled.time_unit")]
    [InlineData("{\"scheduled\": {\"interval\": \"minutes\", \"repeat\": 1}}", "scheduled.time_unit")]
    [InlineData("{\"scheduled\": {\"interval\": \"minutes\", \"time_unit\": 5, \"repeat\": 7}}", "scheduled.repeat")]
    [InlineData("{\"scheduled\": \"every 5 minutes\"}", "scheduled")]
    [InlineData("{\"pulzar_data\": 12}", "pulzar_data")]
    public async Task LaunchJob_ABadBody_Is400NamingIt_AndNothingIsWritten(string body, string named)
    {
        using var http = fixture.PulzarHttp();
        var problem = await Problems.AssertAsync(await JobsHttp.PostRawAsync(http, "/launch_job/example/example_01", body), HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains(named, problem.GetProperty("detail").GetString());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task LaunchJob_PulzarDataThatIsNoValue_Is404_AndNothingIsWritten()
    {
        using var http = fixture.PulzarHttp();
        var problem = await Problems.AssertAsync(await JobsHttp.PostRawAsync(http, "/launch_job/example/example_01", """{"pulzar_data": "no/such/key"}"""), HttpStatusCode.NotFound, "not_found");
        Assert.Contains("no/such/key", problem.GetProperty("detail").GetString());
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("{\"type\": \"cairn.noop\", \"cron\": \"61 * * * *\"}", "cron")]
    [InlineData("{\"type\": \"cairn.noop\", \"cron\": \"0 3 * * *\", \"timeZone\": \"Mars/Olympus_Mons\"}", "timeZone")]
    [InlineData("{\"type\": \"cairn.noop\", \"interval\": {\"unit\": \"fortnights\", \"every\": 1}}", "interval")]
    [InlineData("{\"type\": \"cairn.noop\", \"interval\": {\"unit\": \"minutes\", \"every\": 0}}", "interval")]
    [InlineData("{\"type\": \"cairn.noop\"}", "cron")]
    [InlineData("{\"type\": \"cairn.noop\", \"cron\": \"* * * * *\", \"colour\": \"red\"}", "colour")]
    [InlineData("{\"type\": \"cairn.noop\", \"cron\": ", "JSON")]
    public async Task PutRecurring_ABadSchedule_Is400NamingIt_AndNothingIsWritten(string body, string named)
    {
        using var http = fixture.TcpHttp();
        var response = await http.PutAsync("/v1/jobs/recurring/bad", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("{\"type\": ")]
    [InlineData("{\"type\": \"cairn.noop\", \"colour\": \"red\"}")]
    [InlineData("{\"type\": \"cairn.noop\", \"maxAttempts\": \"many\"}")]
    [InlineData("{\"type\": \"\"}")]
    [InlineData("[]")]
    public async Task Enqueue_ABadBody_Is400_AndNothingIsEnqueued(string body)
    {
        using var http = fixture.TcpHttp();
        await Problems.AssertAsync(await http.PostAsync("/v1/jobs", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_argument");
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task UnknownJobs_Are404_AndBadIdsAndNames400()
    {
        using var http = fixture.TcpHttp();
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/424242"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.PostAsync("/v1/jobs/424242/cancel", null), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.PostAsync("/v1/jobs/424242/retry", null), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/424242/log"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.PostAsJsonAsync("/v1/jobs/424242/complete", new { token = 5, outcome = "succeeded" }), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/0"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/recurring/bad%20name"), HttpStatusCode.BadRequest, "invalid_argument");
        await AssertNothingWrittenAsync();
    }
}

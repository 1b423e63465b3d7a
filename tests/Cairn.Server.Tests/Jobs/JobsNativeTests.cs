using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Server.Tests.Jobs;

/// <summary><c>/v1/jobs</c> over TCP and the Unix socket: enqueue and run, list and page, cancel, retry, delete, logs,
/// the event stream, recurring jobs, and the remote worker protocol.</summary>
public sealed class JobsNativeTests(JobsServerFixture fixture) : IClassFixture<JobsServerFixture>
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task Noop_IsEnqueued_Runs_AndSucceedsWithItsArgs_AndAnIdempotencyKeyMakesOneJob(string transport)
    {
        using var http = fixture.Http(transport);
        var response = await http.PostAsJsonAsync("/v1/jobs", new { type = "cairn.noop", args = new { x = 1, transport }, idempotencyKey = "once-" + transport });
        var job = await JobsHttp.JsonAsync(response, HttpStatusCode.Created);
        var id = job.GetProperty("id").GetInt64();
        Assert.Equal($"/v1/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.True(long.Parse(response.Headers.GetValues("Cairn-Revision").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);

        var done = await JobsHttp.WaitForStateAsync(http, id, "succeeded");
        Assert.Equal(1, done.GetProperty("result").GetProperty("x").GetInt32());
        var attempt = Assert.Single(done.GetProperty("attempts").EnumerateArray());
        Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());

        var again = await JobsHttp.EnqueueAsync(http, new { type = "cairn.noop", args = new { x = 2 }, idempotencyKey = "once-" + transport }, HttpStatusCode.OK);
        Assert.Equal(id, again.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task List_FiltersAndPages_AndCancelRetryDelete_MoveAJob()
    {
        using var http = fixture.TcpHttp();
        // A queue no worker here takes: the jobs stay enqueued.
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await JobsHttp.EnqueueAsync(http, new { type = "cairn.noop", queue = "paging-q", args = new { i } })).GetProperty("id").GetInt64());
        }

        var seen = new List<long>();
        string url = "/v1/jobs?queue=paging-q&limit=2";
        while (true)
        {
            var page = await JobsHttp.JsonAsync(await http.GetAsync(url), HttpStatusCode.OK);
            var jobs = page.GetProperty("jobs").EnumerateArray().ToList();
            Assert.True(jobs.Count <= 2);
            seen.AddRange(jobs.Select(j => j.GetProperty("id").GetInt64()));
            if (!page.TryGetProperty("next", out var next))
            {
                break;
            }

            url = $"/v1/jobs?queue=paging-q&limit=2&after={next.GetInt64()}";
        }

        Assert.Equal(ids, seen);
        var enqueued = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs?queue=paging-q&state=enqueued&type=cairn.noop"), HttpStatusCode.OK);
        Assert.Equal(5, enqueued.GetProperty("jobs").GetArrayLength());

        var cancelled = await JobsHttp.JsonAsync(await http.PostAsync($"/v1/jobs/{ids[0]}/cancel", null), HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        var listed = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs?queue=paging-q&state=cancelled"), HttpStatusCode.OK);
        Assert.Equal(ids[0], Assert.Single(listed.GetProperty("jobs").EnumerateArray()).GetProperty("id").GetInt64());
        await Problems.AssertAsync(await http.PostAsync($"/v1/jobs/{ids[0]}/cancel", null), HttpStatusCode.Conflict, "conflict");

        var retried = await JobsHttp.JsonAsync(await http.PostAsync($"/v1/jobs/{ids[0]}/retry", null), HttpStatusCode.OK);
        Assert.Equal("enqueued", retried.GetProperty("state").GetString());
        await Problems.AssertAsync(await http.PostAsync($"/v1/jobs/{ids[1]}/retry", null), HttpStatusCode.Conflict, "conflict");

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/jobs/{ids[0]}")).StatusCode);
        await Problems.AssertAsync(await http.GetAsync($"/v1/jobs/{ids[0]}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.DeleteAsync($"/v1/jobs/{ids[0]}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs?state=sleeping"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs?limit=0"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task Events_StreamTheJobAndItsLog_InOrder_EndingAtTheFinalState_AndTheLogReadsBack()
    {
        using var http = fixture.TcpHttp();
        File.Delete(Path.Combine(fixture.JobsDir, "gate"));
        var id = (await JobsHttp.EnqueueAsync(http, new { type = "script:gated.sh" })).GetProperty("id").GetInt64();

        using var events = await SseStream.OpenAsync(http, $"/v1/jobs/{id}/events");
        var received = new List<SseEvent>();
        var gateOpened = false;
        while (true)
        {
            var e = await events.NextAsync();
            received.Add(e);
            if (!gateOpened && e.Type == "log" && e.Data.GetProperty("text").GetString()!.Contains("before", StringComparison.Ordinal))
            {
                await File.WriteAllTextAsync(Path.Combine(fixture.JobsDir, "gate"), "");
                gateOpened = true;
            }

            if (e.Type == "job" && e.Data.GetProperty("state").GetString() == "succeeded")
            {
                break;
            }
        }

        var states = received.Where(e => e.Type == "job").Select(e => e.Data.GetProperty("state").GetString()).ToList();
        Assert.Contains("processing", states);
        Assert.Equal("succeeded", states[^1]);
        var text = string.Concat(received.Where(e => e.Type == "log").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal("before\nafter\n", text);
        Assert.True(received.FindIndex(e => e.Type == "log") > received.FindIndex(e => e.Type == "job" && e.Data.GetProperty("state").GetString() == "processing"));
        await Assert.ThrowsAsync<InvalidOperationException>(events.NextAsync); // the stream ended

        Assert.Equal("--- attempt 1 ---\nbefore\nafter\n", await http.GetStringAsync($"/v1/jobs/{id}/log"));
        Assert.Equal("before\nafter\n", await http.GetStringAsync($"/v1/jobs/{id}/log?attempt=1"));
        await Problems.AssertAsync(await http.GetAsync($"/v1/jobs/{id}/log?attempt=2"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/999999999/events"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task CancellingARunningScript_KillsItsProcessTree_AndDeletingItWhileItRunsIs409()
    {
        using var http = fixture.TcpHttp();
        var parentFile = Path.Combine(fixture.JobsDir, "parent.pid");
        var childFile = Path.Combine(fixture.JobsDir, "child.pid");
        File.Delete(parentFile);
        File.Delete(childFile);
        var id = (await JobsHttp.EnqueueAsync(http, new { type = "script:tree.sh" })).GetProperty("id").GetInt64();
        await Eventually.UntilAsync(() => File.Exists(parentFile) && File.Exists(childFile) && File.ReadAllText(parentFile).Trim().Length > 0, JobsHttp.Deadline, "the script and its child run");
        var pids = new[] { parentFile, childFile }.Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.All(pids, pid => Assert.True(Alive(pid), $"process {pid} runs"));

        await Problems.AssertAsync(await http.DeleteAsync($"/v1/jobs/{id}"), HttpStatusCode.Conflict, "conflict");
        var cancelled = await JobsHttp.JsonAsync(await http.PostAsync($"/v1/jobs/{id}/cancel", null), HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());

        await Eventually.UntilAsync(() => pids.All(pid => !Alive(pid)), JobsHttp.Deadline, "the script and its background child are killed");
        Assert.Equal("cancelled", (await JobsHttp.GetAsync(http, id)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/jobs/{id}")).StatusCode);
    }

    // Gone, or a zombie about to be reaped.
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].First() != 'Z';
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task ARemoteWorker_Claims_Heartbeats_Logs_AndCompletes_AndAStaleTokenIs409(string transport)
    {
        using var http = fixture.Http(transport);
        var queue = "remote-" + transport;
        var id = (await JobsHttp.EnqueueAsync(http, new { type = "remote.echo", queue, args = new { n = 7 } })).GetProperty("id").GetInt64();

        var claimRequest = new { worker = "w-" + transport, node = "remote-host", queues = new[] { queue }, types = new[] { "remote.echo" }, waitSeconds = 5 };
        var claim = await JobsHttp.JsonAsync(await http.PostAsJsonAsync("/v1/jobs/claim", claimRequest), HttpStatusCode.OK);
        Assert.Equal(id, claim.GetProperty("job").GetProperty("id").GetInt64());
        Assert.Equal(1, claim.GetProperty("attempt").GetInt32());
        var token = claim.GetProperty("token").GetInt64();
        Assert.True(claim.GetProperty("leaseSeconds").GetDouble() > 0);

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync($"/v1/jobs/{id}/heartbeat", new { token })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync($"/v1/jobs/{id}/log", new { token, text = "working\n" })).StatusCode);
        await Problems.AssertAsync(await http.PostAsJsonAsync($"/v1/jobs/{id}/heartbeat", new { token = token + 1000 }), HttpStatusCode.Conflict, "conflict");

        var done = await JobsHttp.JsonAsync(await http.PostAsJsonAsync($"/v1/jobs/{id}/complete", new { token, outcome = "succeeded", result = new { echoed = 7 } }), HttpStatusCode.OK);
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        Assert.Equal(7, done.GetProperty("result").GetProperty("echoed").GetInt32());
        Assert.Equal("remote-host", done.GetProperty("attempts")[0].GetProperty("node").GetString());
        Assert.Equal("working\n", await http.GetStringAsync($"/v1/jobs/{id}/log?attempt=1"));

        await Problems.AssertAsync(await http.PostAsJsonAsync($"/v1/jobs/{id}/heartbeat", new { token }), HttpStatusCode.Conflict, "conflict");
        await Problems.AssertAsync(await http.PostAsJsonAsync($"/v1/jobs/{id}/complete", new { token, outcome = "succeeded" }), HttpStatusCode.Conflict, "conflict");
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/v1/jobs/claim", claimRequest with { waitSeconds = 0 })).StatusCode);
        await Problems.AssertAsync(await http.PostAsJsonAsync("/v1/jobs/claim", claimRequest with { waitSeconds = 61 }), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task RecurringJobs_PutGetListTriggerDelete()
    {
        using var http = fixture.TcpHttp();
        var created = await http.PutAsJsonAsync("/v1/jobs/recurring/nightly-noop", new { type = "cairn.noop", cron = "0 3 * * *", timeZone = "Europe/London", args = new { r = 1 } });
        var spec = await JobsHttp.JsonAsync(created, HttpStatusCode.Created);
        Assert.Equal("nightly-noop", spec.GetProperty("name").GetString());
        Assert.True(spec.GetProperty("nextAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        await JobsHttp.JsonAsync(await http.PutAsJsonAsync("/v1/jobs/recurring/nightly-noop", new { type = "cairn.noop", cron = "0 4 * * *" }), HttpStatusCode.OK);

        var got = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs/recurring/nightly-noop"), HttpStatusCode.OK);
        Assert.Equal("0 4 * * *", got.GetProperty("cron").GetString());
        var list = await JobsHttp.JsonAsync(await http.GetAsync("/v1/jobs/recurring"), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("recurring").EnumerateArray(), r => r.GetProperty("name").GetString() == "nightly-noop");

        var job = await JobsHttp.JsonAsync(await http.PostAsync("/v1/jobs/recurring/nightly-noop/trigger", null), HttpStatusCode.Created);
        Assert.Equal("nightly-noop", job.GetProperty("recurring").GetString());
        await JobsHttp.WaitForStateAsync(http, job.GetProperty("id").GetInt64(), "succeeded");

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/v1/jobs/recurring/nightly-noop")).StatusCode);
        await Problems.AssertAsync(await http.GetAsync("/v1/jobs/recurring/nightly-noop"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.PostAsync("/v1/jobs/recurring/nightly-noop/trigger", null), HttpStatusCode.NotFound, "not_found");
    }
}

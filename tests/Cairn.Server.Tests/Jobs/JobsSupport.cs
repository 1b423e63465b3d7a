using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Jobs;

/// <summary>
/// A server with the jobs module, a Pulzar listener, two in-server workers and a jobs directory of seed-style Python
/// jobs (<c>example/example_01</c>, <c>example/raises</c>) and shell scripts (<c>echo.sh</c>, <c>gated.sh</c>,
/// <c>tree.sh</c>). One attempt per job, so a failing job is failed at once. The jobs run as nobody (the tests run as
/// root), so the jobs directory is beside the data directory, not in it, and writable by everyone (the scripts leave
/// their pids there).
/// </summary>
public class JobsServerFixture : ServerFixture, IAsyncLifetime
{
    public JobsServerFixture()
        : this(null)
    {
    }

    protected JobsServerFixture(TimeProvider? time)
        : base(time)
    {
        ProgramDirectories.Create(JobsDir, writable: true);
        ProgramDirectories.Create(Path.Combine(JobsDir, "example"));
        Python("example/example_01.py", """
            from pulzarcore.core_jobs import CoreJobs


            class Example(CoreJobs):
                def __init__(self, params):
                    super().__init__(params)

                def run_job(self):
                    self.pulzar_add_log('Result is: ' + str(self.parameters['arg1']) + '/' + str(self.parameters['arg2']))


            def execute(params):
                example = Example(params)
                example.run_job()
                return example.is_the_job_ok()
            """);
        Python("example/raises.py", """
            from pulzarcore.core_jobs import CoreJobs


            def execute(params):
                print('about to divide')
                return 1 / 0
            """);
        Python("example/reads_data.py", """
            from pulzarcore.core_jobs import CoreJobs


            class Reader(CoreJobs):
                def __init__(self, params):
                    super().__init__(params)

                def run_job(self):
                    with open(self.pulzar_get_filepath(), 'rb') as f:
                        self.pulzar_add_log('Data is: ' + f.read().decode())


            def execute(params):
                reader = Reader(params)
                reader.run_job()
                return reader.is_the_job_ok()
            """);
        Script("echo.sh", "#!/bin/sh\necho \"hello from job $CAIRN_JOB_ID\"\necho \"second line\"\n");
        Script("gated.sh", "#!/bin/sh\necho before\nwhile [ ! -f \"$(dirname \"$0\")/gate\" ]; do sleep 0.05; done\necho after\n");
        Script("tree.sh", "#!/bin/sh\nd=\"$(dirname \"$0\")\"\nsleep 600 &\necho $! > \"$d/child.pid\"\necho $$ > \"$d/parent.pid\"\nwait\n");
        Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
        Settings["Jobs:Directory"] = JobsDir;
        Settings["Jobs:Workers"] = "2";
        Settings["Jobs:MaxAttempts"] = "1";
    }

    public string JobsDir => DataDir + "-jobs";

    /// <summary>The Pulzar listener, <c>http://127.0.0.1:PORT</c>.</summary>
    public string PulzarEndpoint => Server.CompatAddresses("pulzar").Single();

    public HttpClient PulzarHttp() => new() { BaseAddress = new Uri(PulzarEndpoint) };

    public HttpClient Http(string transport) => transport == "unix" ? UnixHttp() : TcpHttp();

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        ProgramDirectories.Delete(JobsDir);
    }

    private void Python(string name, string text) => ProgramDirectories.Readable(Path.Combine(JobsDir, name), text);

    private void Script(string name, string text) => ProgramDirectories.Executable(Path.Combine(JobsDir, name), text);
}

/// <summary>A <see cref="JobsServerFixture"/> whose server runs on a fake clock the test moves.</summary>
public sealed class FakeClockJobsServerFixture() : JobsServerFixture(new FakeTimeProvider(DateTimeOffset.UtcNow))
{
    public FakeTimeProvider Clock => (FakeTimeProvider)Time!;
}

/// <summary>A <see cref="JobsServerFixture"/> for tests that assert nothing was written: no other test writes to it.</summary>
public sealed class EmptyJobsServerFixture : JobsServerFixture;

/// <summary>Calls the tests share.</summary>
internal static class JobsHttp
{
    /// <summary>A deadline against a hang, not a measure of speed: generous for a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> EnqueueAsync(HttpClient http, object request, HttpStatusCode status = HttpStatusCode.Created) =>
        await JsonAsync(await http.PostAsJsonAsync("/v1/jobs", request), status);

    public static async Task<JsonElement> GetAsync(HttpClient http, long id) =>
        await JsonAsync(await http.GetAsync($"/v1/jobs/{id}"), HttpStatusCode.OK);

    /// <summary>Waits until job <paramref name="id"/> is in state <paramref name="state"/>; returns it then.</summary>
    public static async Task<JsonElement> WaitForStateAsync(HttpClient http, long id, string state)
    {
        JsonElement job = default;
        await Eventually.UntilAsync(
            async () =>
            {
                job = await GetAsync(http, id);
                return job.GetProperty("state").GetString() == state;
            },
            Deadline,
            $"job {id} is {state}");
        return job;
    }

    /// <summary>The id in the seed's answer <c>Job added with id N</c>.</summary>
    public static long AddedId(string text)
    {
        Assert.StartsWith("Job added with id ", text.Trim());
        return long.Parse(text.Trim()["Job added with id ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>POSTs <paramref name="body"/> as JSON to the Pulzar API.</summary>
    public static Task<HttpResponseMessage> PostRawAsync(HttpClient http, string path, string body) =>
        http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
}

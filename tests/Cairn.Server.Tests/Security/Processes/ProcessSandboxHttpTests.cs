using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cairn.Server.Tests.Jobs;

namespace Cairn.Server.Tests.Security.Processes;

/// <summary>
/// Extensions and jobs as an attacker who controls what a program does would try, through HTTP on a root server: they
/// run as <c>nobody</c> with a clean environment; one that allocates past its memory limit or spins past its CPU limit
/// fails with the reason; one that reads the server's data directory is refused and its content never reaches the
/// answer, the log or a stored file; and the server answers throughout.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessSandboxHttpTests(ProcessServerFixture fixture) : IClassFixture<ProcessServerFixture>
{
    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertServerAnswersAsync(HttpClient http)
    {
        var put = await http.PutAsync("/v1/kv/sandbox/still-here", new StringContent("yes"));
        Assert.True(put.IsSuccessStatusCode, $"the server still takes writes: {(int)put.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/kv/sandbox/still-here")).StatusCode);
    }

    private static async Task<JsonElement> RunJobAsync(HttpClient http, string type, string state)
    {
        var job = await JobsHttp.EnqueueAsync(http, new { type });
        return await JobsHttp.WaitForStateAsync(http, job.GetProperty("id").GetInt64(), state);
    }

    private static string Error(JsonElement job) => job.GetProperty("attempts")[0].GetProperty("error").GetString() ?? "";

    [Fact]
    public async Task AnExtension_RunsAsNobody_WithNoOtherGroups()
    {
        using var http = fixture.TcpHttp();

        var (status, body) = await GetAsync(http, "/v1/extensions/whoami");

        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(ProcessServerFixture.NobodyUid, answer.GetProperty("uid").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(answer.GetProperty("gid").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), answer.GetProperty("groups").GetString());
    }

    [Fact]
    public async Task AnExtension_GetsACleanEnvironment_WithoutTheServersVariables()
    {
        using var http = fixture.TcpHttp();

        var (status, body) = await GetAsync(http, "/v1/extensions/environment?q=1");

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.DoesNotContain(ProcessServerFixture.EnvironmentSecret, body);
        var environment = JsonDocument.Parse(body).RootElement;
        Assert.Equal("nobody", environment.GetProperty("USER").GetString());
        Assert.Equal("hello", environment.GetProperty("GREETING").GetString());
        Assert.Equal("environment", environment.GetProperty("CAIRN_EXTENSION").GetString());
        Assert.Contains("\"q\"", environment.GetProperty("CAIRN_QUERY").GetString());
        Assert.Equal(global::Cairn.Processes.ProcessSandbox.DefaultPath, environment.GetProperty("PATH").GetString());
    }

    [Theory]
    [InlineData("hog", "MemoryError")] // allocates past its memory limit
    [InlineData("spin", "CPU time")] // spins past its CPU limit, and is stopped
    public async Task AnExtension_PastOneOfItsLimits_Is502WithTheReason_AndTheServerAnswers(string extension, string reason)
    {
        using var http = fixture.TcpHttp();

        var (status, body) = await GetAsync(http, "/v1/extensions/" + extension);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("extension_failed", body);
        Assert.Contains(reason, body);
        await AssertServerAnswersAsync(http);
    }

    [Fact]
    public async Task AnExtension_ThatReadsTheDataDirectory_IsRefused_AndNothingOfItLeaks()
    {
        using var http = fixture.TcpHttp();

        var (status, body) = await GetAsync(http, "/v1/extensions/readdata");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("Permission denied", body);
        Assert.DoesNotContain(ProcessServerFixture.Secret, body);
        Assert.DoesNotContain("c.sock", body);
    }

    [Fact]
    public async Task AScriptJob_RunsAsNobody_InItsOwnHome_WithoutTheServersVariables()
    {
        using var http = fixture.TcpHttp();

        var job = await RunJobAsync(http, "script:id.sh", "succeeded");
        var log = await http.GetStringAsync($"/v1/jobs/{job.GetProperty("id").GetInt64()}/log");

        Assert.Contains($"uid={ProcessServerFixture.NobodyUid} home=/", log);
        Assert.DoesNotContain(ProcessServerFixture.EnvironmentSecret, log);
        Assert.DoesNotContain(fixture.DataDir, log);
    }

    [Fact]
    public async Task APulzarJob_RunsThroughTheShim_AsNobody()
    {
        using var http = fixture.TcpHttp();

        var job = await RunJobAsync(http, "pulzar:example/who", "succeeded");
        var log = await http.GetStringAsync($"/v1/jobs/{job.GetProperty("id").GetInt64()}/log");

        Assert.Contains($"uid={ProcessServerFixture.NobodyUid}", log);
    }

    [Theory]
    [InlineData("hog.sh", "MemoryError")] // allocates past its memory limit
    [InlineData("spin.sh", "CPU time")] // spins past its CPU limit, and is stopped
    public async Task AJob_PastOneOfItsLimits_Fails_WithTheReason(string script, string reason)
    {
        using var http = fixture.TcpHttp();

        var job = await RunJobAsync(http, "script:" + script, "failed");

        Assert.Contains(reason, Error(job));
        await AssertServerAnswersAsync(http);
    }

    [Fact]
    public async Task AJob_ThatReadsTheDataDirectory_Fails_AndNothingOfItLeaks()
    {
        using var http = fixture.TcpHttp();

        var job = await RunJobAsync(http, "script:readdata.sh", "failed");
        var log = await http.GetStringAsync($"/v1/jobs/{job.GetProperty("id").GetInt64()}/log");

        Assert.Contains("Permission denied", Error(job));
        Assert.DoesNotContain(ProcessServerFixture.Secret, log);
        Assert.DoesNotContain(ProcessServerFixture.Secret, job.GetRawText());
    }

    [Fact]
    public async Task AJob_ThatLinksTheDataDirectoryIntoItsOutput_Fails_AndNoFileIsStored()
    {
        using var http = fixture.TcpHttp();

        var job = await RunJobAsync(http, "script:link.sh", "failed");

        Assert.Contains("not a regular file", Error(job));
        Assert.True(!job.TryGetProperty("files", out var files) || files.ValueKind == JsonValueKind.Null || files.GetArrayLength() == 0, job.GetRawText());
        var blobs = await http.GetAsync($"/v1/blobs/jobs/{job.GetProperty("id").GetInt64()}/1/leak.txt");
        Assert.Equal(HttpStatusCode.NotFound, blobs.StatusCode);
    }
}

/// <summary>Programs that loop past their wall-clock time: stopped (504 for an extension, a timed-out attempt for a job),
/// their processes gone although they run as another user, and the server unharmed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessTimeoutHttpTests(ProcessTimeoutServerFixture fixture) : IClassFixture<ProcessTimeoutServerFixture>
{
    [Fact]
    public async Task AnExtension_ThatLoopsPastItsTimeout_Is504_AndItsProcessIsGone()
    {
        using var http = fixture.TcpHttp();

        var response = await http.GetAsync("/v1/extensions/spin");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("extension_timeout", await response.Content.ReadAsStringAsync());
        await Eventually.UntilAsync(() => Spinning(fixture.ExtensionsDir).Count == 0, TimeSpan.FromSeconds(30), "the spinning extension is gone");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task AJob_ThatLoopsPastItsTimeout_IsStopped_AndFails()
    {
        using var http = fixture.TcpHttp();

        var job = await JobsHttp.EnqueueAsync(http, new { type = "script:spin.sh", timeoutSeconds = 2 });
        var done = await JobsHttp.WaitForStateAsync(http, job.GetProperty("id").GetInt64(), "failed");

        Assert.Equal("timed_out", done.GetProperty("attempts")[0].GetProperty("outcome").GetString());
        await Eventually.UntilAsync(() => Spinning(fixture.JobsDir).Count == 0, TimeSpan.FromSeconds(30), "the spinning job is gone");
    }

    /// <summary>Processes running a <c>spin</c> script of <paramref name="directory"/> (by their command line).</summary>
    private static List<int> Spinning(string directory)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var zombie = stat.Length > stat.LastIndexOf(')') + 2 && stat[stat.LastIndexOf(')') + 2] == 'Z';
                if (!zombie && command.Contains(Path.Combine(directory, "spin"), StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return found;
    }
}

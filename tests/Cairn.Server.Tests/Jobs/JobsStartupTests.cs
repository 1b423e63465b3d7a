namespace Cairn.Server.Tests.Jobs;

/// <summary>A Jobs setting that cannot work stops the server at start with a message naming it.</summary>
public sealed class JobsStartupTests
{
    [Theory]
    [InlineData("Jobs:Workers", "-1", "Jobs:Workers")]
    [InlineData("Jobs:Workers", "many", "Jobs")]
    [InlineData("Jobs:MaxAttempts", "0", "Jobs:MaxAttempts")]
    [InlineData("Jobs:Timeout", "forever", "Jobs:Timeout")]
    [InlineData("Jobs:ClaimTtl", "0", "Jobs:ClaimTtl")]
    [InlineData("Jobs:ClaimTtl", "500ms", "Jobs:ClaimTtl")]
    [InlineData("Jobs:Backoff", "abc", "Jobs:Backoff")]
    [InlineData("Jobs:MaxBackoff", "1s", "Jobs:MaxBackoff")]
    [InlineData("Jobs:Retention", "-5m", "Jobs:Retention")]
    [InlineData("Jobs:ResultRetention", "soon", "Jobs:ResultRetention")]
    [InlineData("Jobs:MisfireGrace", "x", "Jobs:MisfireGrace")]
    [InlineData("Jobs:Queues", "default,bad queue!", "Jobs:Queues")]
    [InlineData("Jobs:MaxConcurrency:script:report.sh", "0", "Jobs:MaxConcurrency:script:report.sh")]
    [InlineData("Jobs:MaxConcurrency:cairn.noop", "lots", "Jobs:MaxConcurrency:cairn.noop")]
    [InlineData("Jobs:Python", " ", "Jobs:Python")]
    public async Task ABadSetting_IsAStartupErrorNamingIt(string setting, string value, string named)
    {
        var data = Directory.CreateTempSubdirectory("cairn-jobs-startup-");
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data.FullName,
                ["Listen:0"] = "http://127.0.0.1:0",
                [setting] = value,
            }));

            Assert.Contains(named, error.Message);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task JobsDisabled_ServesNoJobsApi()
    {
        var data = Directory.CreateTempSubdirectory("cairn-jobs-off-");
        try
        {
            await using var server = await CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data.FullName,
                ["Durability"] = "None",
                ["Listen:0"] = "http://127.0.0.1:0",
                ["Jobs:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            using var http = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()) };
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/v1/jobs")).StatusCode);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}

using System.Net;

namespace Cairn.Server.Tests.Coordination;

/// <summary>A Coordination setting that cannot work stops the server at start with a message naming it; switched off,
/// the module serves nothing.</summary>
public sealed class CoordinationStartupTests
{
    [Theory]
    [InlineData("Coordination:MaxParameterBytes", "0", "Coordination:MaxParameterBytes")]
    [InlineData("Coordination:MaxParameterBytes", "2000000", "Coordination:MaxParameterBytes")]
    [InlineData("Coordination:MaxParameterBytes", "big", "Coordination")]
    [InlineData("Coordination:Enabled", "maybe", "Coordination")]
    [InlineData("Runs:Listen:0", "ftp://127.0.0.1:1", "ftp://127.0.0.1:1")]
    public async Task ABadSetting_IsAStartupErrorNamingIt(string setting, string value, string named)
    {
        var data = Directory.CreateTempSubdirectory("cairn-coord-startup-");
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data.FullName,
                ["Listen:0"] = "http://127.0.0.1:0",
                [setting] = value,
            }));

            Assert.Contains(named, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunsListeners_WithCoordinationOff_AreAStartupError()
    {
        var data = Directory.CreateTempSubdirectory("cairn-coord-startup-");
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data.FullName,
                ["Listen:0"] = "http://127.0.0.1:0",
                ["Coordination:Enabled"] = "false",
                ["Runs:Listen:0"] = "unix:" + Path.Combine(data.FullName, "runs.sock"),
            }));

            Assert.Contains("Runs:Listen", error.Message, StringComparison.Ordinal);
            Assert.Contains("Coordination:Enabled", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CoordinationDisabled_ServesNoCoordinationApi()
    {
        var data = Directory.CreateTempSubdirectory("cairn-coord-off-");
        try
        {
            await using var server = await CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data.FullName,
                ["Durability"] = "None",
                ["Listen:0"] = "http://127.0.0.1:0",
                ["Coordination:Enabled"] = "false",
                ["Jobs:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            using var http = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()) };
            foreach (var path in new[] { "/v1/runs", "/v1/pools", "/v1/locks/a", "/v1/elections/a", "/v1/barriers/a", "/v1/queues/a", "/compat/runs/runs/a/state" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}

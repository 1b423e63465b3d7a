namespace Cairn.Server.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task MissingSocketDirectory_IsAClearStartupError()
    {
        var data = Path.Combine(Path.GetTempPath(), "cairn-startup-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data,
                ["Listen:0"] = "unix:/nonexistent-dir-for-cairn/cairn.sock",
            }));

            Assert.Contains("/nonexistent-dir-for-cairn", error.Message);
            Assert.Contains("does not exist", error.Message);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("http://example.com:80")]
    [InlineData("unix:")]
    public async Task UnusableListener_IsAClearStartupError(string listener)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.GetTempPath(),
            ["Listen:0"] = listener,
        }));

        Assert.Contains("Listener", error.Message);
    }

    [Fact]
    public async Task TooLongSocketPath_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.GetTempPath(),
            ["Listen:0"] = "unix:/tmp/" + new string('s', 200) + ".sock",
        }));

        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public async Task InvalidDurability_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.GetTempPath(),
            ["Durability"] = "sometimes",
        }));

        Assert.Contains("sometimes", error.Message);
    }

    [Fact]
    public async Task SecondServerOnTheSameSocket_IsRefused_AndTheFirstKeepsServing()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = Path.Combine(first.DataDir, "second"),
                ["Listen:0"] = "unix:" + first.UnixPath,
            }));

            Assert.Contains("already serving", error.Message);
            using var http = first.UnixHttp();
            Assert.True((await http.GetAsync("/healthz")).IsSuccessStatusCode);
        }
        finally
        {
            await first.DisposeAsync();
        }
    }
}

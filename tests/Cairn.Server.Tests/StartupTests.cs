using Microsoft.Extensions.DependencyInjection;

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
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-unstarted-" + Guid.NewGuid().ToString("N")), // never /tmp itself: start-up would close it
            ["Listen:0"] = listener,
        }));

        Assert.Contains("Listener", error.Message);
    }

    [Fact]
    public async Task TooLongSocketPath_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-unstarted-" + Guid.NewGuid().ToString("N")), // never /tmp itself: start-up would close it
            ["Listen:0"] = "unix:/tmp/" + new string('s', 200) + ".sock",
        }));

        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public async Task InvalidDurability_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-unstarted-" + Guid.NewGuid().ToString("N")), // never /tmp itself: start-up would close it
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

    [Theory]
    [InlineData("Journal:FoldAge", "soon")]
    [InlineData("Journal:ResyncInterval", "0")]
    [InlineData("Volumes:OrphanGrace", "-1")]
    [InlineData("Volumes:ReconcileIntervalSeconds", "abc")]
    [InlineData("Extensions:Timeout", "10 minutes")]
    [InlineData("Compaction:Interval", "1y")]
    [InlineData("Cluster:NodeTtl", "2h")]
    [InlineData("Backend:StartTimeout", "forever")]
    public async Task ABadDuration_IsAStartupError_ThatNamesTheSetting(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-startup-" + Guid.NewGuid().ToString("N")[..8]),
            ["Listen:0"] = "http://127.0.0.1:0",
            [setting] = value,
        }));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Durations_AreReadInEveryForm_AndTheOldSecondsNamesStillWork()
    {
        var fixture = new ServerFixture();
        fixture.Settings["Journal:ResyncInterval"] = "1m30s";
        fixture.Settings["Journal:FoldAge"] = "00:10:00";
        fixture.Settings["Journal:Retention"] = "2d";
        fixture.Settings["Cluster:NodeTtlSeconds"] = "7";
        fixture.Settings["Volumes:OrphanGrace"] = "20m";
        fixture.Settings["Extensions:TimeoutSeconds"] = "45";
        fixture.Settings["Compaction:Interval"] = "0";
        await fixture.InitializeAsync();
        try
        {
            var journal = fixture.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options;
            Assert.Equal(TimeSpan.FromSeconds(90), journal.ResyncInterval);
            Assert.Equal(TimeSpan.FromMinutes(10), journal.FoldAge);
            Assert.Equal(TimeSpan.FromDays(2), journal.Retention);
            Assert.Equal(TimeSpan.FromSeconds(7), fixture.Server.Options.Cluster.Ttl);

            // Compaction:Interval 0 switches periodic compaction off: the journal's archiver and the jobs' fold are the
            // only leader work.
            Assert.Equal(["journal-archive", "jobs-fold"], fixture.Server.Services.GetServices<Cairn.Coordination.ILeaderService>().Select(s => s.Name));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }
}

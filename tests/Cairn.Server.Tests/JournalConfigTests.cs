using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>The journal's settings, the seed's YAML config file, and what happens when the store is down.</summary>
public sealed class JournalConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cairn-jcfg-" + Guid.NewGuid().ToString("N")[..12]);

    public JournalConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task<ServerFixture> StartAsync(params (string Key, string? Value)[] settings)
    {
        var server = new ServerFixture();
        server.Settings["Cluster:Enabled"] = "false";
        foreach (var (key, value) in settings)
        {
            server.Settings[key] = value;
        }

        try
        {
            await server.InitializeAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    // Runs body against a server started with settings, and stops the server afterwards.
    private async Task WithServerAsync(Func<ServerFixture, Task> body, params (string Key, string? Value)[] settings)
    {
        var server = await StartAsync(settings);
        try
        {
            await body(server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private string ConfigFile(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public async Task Defaults_AreUnderTheDataDir()
    {
        await WithServerAsync(async server =>
        {
            var options = server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options;
            Assert.Equal(Path.Combine(server.DataDir, "journal-secondary"), options.SecondaryDirectory);
            Assert.Equal(Path.Combine(server.DataDir, "journal-export"), options.ExportDirectory);
            Assert.True(Directory.Exists(options.SecondaryDirectory));
            Assert.Equal(TimeSpan.FromHours(1), options.FoldAge);
            Assert.Equal(TimeSpan.FromMinutes(5), options.ExportInterval);
            Assert.Equal(TimeSpan.FromDays(30), options.Retention);
            Assert.Equal(TimeSpan.FromSeconds(5), options.ResyncInterval);
            Assert.Equal(16 * 1024 * 1024, options.MaxMessageBytes);
            Assert.Equal(64 * 1024, options.InlineThreshold);
            Assert.NotNull(server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().LargeMessageStore);
            Assert.Equal(server.Server.Options.NodeId, options.NodeId);
            Assert.Empty(server.Server.CompatAddresses("journal"));
        });
    }

    [Fact]
    public async Task Settings_AreRead_AndEmptyDisablesSecondaryAndExport()
    {
        await WithServerAsync(async server =>
        {
            var options = server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options;
            Assert.Null(options.SecondaryDirectory);
            Assert.Null(server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Spool);
            Assert.Null(options.ExportDirectory);
            Assert.Equal(TimeSpan.FromSeconds(30), options.FoldAge);
            Assert.Equal(TimeSpan.FromSeconds(90), options.ExportInterval);
            Assert.Equal(TimeSpan.FromDays(2), options.Retention);
            Assert.Equal(TimeSpan.FromMilliseconds(500), options.ResyncInterval);

            using var http = server.TcpHttp();
            await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/compat/journal/t/begin", "\"" + new string('x', 2048) + "\""), HttpStatusCode.RequestEntityTooLarge, "too_large");
        },
            ("Journal:Secondary", ""), ("Journal:ExportDir", ""), ("Journal:FoldAge", "00:00:30"), ("Journal:ExportInterval", "90"),
            ("Journal:Retention", "2.00:00:00"), ("Journal:ResyncInterval", "0.5"), ("Journal:MaxMessageBytes", "2048"));
    }

    [Theory]
    [InlineData("journal:\n  primary: zookeeper://zkurl\n  secondary: nfs://{0}\n")]
    [InlineData("primary: zookeeper://zkurl\nsecondary: nfs://{0}\n")]
    [InlineData("journal:\n  primary: etcd://127.0.0.1:2379\n  secondary: file://{0}\n")]
    [InlineData("# the seed's file\njournal:\n  secondary: '{0}'\n")]
    [InlineData("secondary: {0}\n")]
    public async Task SeedConfigFile_SetsTheSecondary(string yaml)
    {
        var secondary = Path.Combine(_dir, "nfspath");
        var file = ConfigFile(string.Format(System.Globalization.CultureInfo.InvariantCulture, yaml, secondary));

        await WithServerAsync(async server =>
        {
            Assert.Equal(secondary, server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options.SecondaryDirectory);
            Assert.True(Directory.Exists(secondary));

            // Appends still go to the server's store: the primary named in the file does not switch the backend.
            using var http = server.TcpHttp();
            var append = await JournalHttp.AppendAsync(http, "cfg-1", "begin", "{}");
            Assert.Equal("primary", append.GetProperty("source").GetString());
        }, ("Journal:Config", file));
    }

    [Fact]
    public async Task ExplicitSecondary_WinsOverTheSeedConfigFile()
    {
        var file = ConfigFile($"journal:\n  primary: zookeeper://zkurl\n  secondary: nfs://{Path.Combine(_dir, "from-file")}\n");
        var explicitDir = Path.Combine(_dir, "explicit");

        await WithServerAsync(async server =>
        {
            Assert.Equal(explicitDir, server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options.SecondaryDirectory);
        }, ("Journal:Config", file), ("Journal:Secondary", explicitDir));
    }

    [Theory]
    [InlineData("journal:\n  primary: zookeeper://zkurl\n  secondary: s3://bucket/path\n", "unknown scheme 's3'")]
    [InlineData("journal:\n  primary: mysql://db\n  secondary: /tmp/x\n", "unknown scheme")]
    [InlineData("journal:\n  secondary: nfs://server/export\n", "mounted directory")]
    [InlineData("journal:\n  primary: [unclosed\n", "not valid YAML")]
    [InlineData("journal: just-a-string\n", "must be a mapping")]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("journal:\n  secundary: /tmp/x\n", "unknown key 'secundary'")]
    [InlineData("journal:\n  secondary:\n    - /a\n", "single value")]
    public async Task BadSeedConfigFile_IsAClearStartupError(string yaml, string expected)
    {
        var file = ConfigFile(yaml);

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(("Journal:Config", file)));

        Assert.Contains(expected, error.Message);
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public async Task MissingSeedConfigFile_IsAClearStartupError()
    {
        var file = Path.Combine(_dir, "missing.yaml");

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(("Journal:Config", file)));

        Assert.Contains("Cannot read the journal config file", error.Message);
        Assert.Contains(file, error.Message);
    }

    [Theory]
    [InlineData("Journal:FoldAge", "90x")]
    [InlineData("Journal:ResyncInterval", "0")]
    [InlineData("Journal:ExportInterval", "-5")]
    [InlineData("Journal:MaxMessageBytes", "0")]
    [InlineData("Journal:InlineThreshold", "0")]
    [InlineData("Journal:InlineThreshold", "2000000")]
    [InlineData("Journal:Listen:0", "ftp://127.0.0.1:1")]
    public async Task BadSettings_AreAClearStartupError(string key, string value)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync((key, value)));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public async Task Disabled_ServesNoJournal_AndRefusesJournalListeners()
    {
        await WithServerAsync(async server =>
        {
            Assert.Null(server.Server.Services.GetService<Cairn.Journal.JournalService>());
            using var http = server.TcpHttp();
            await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t/begin", "{}"), HttpStatusCode.NotFound, "not_found");
            await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/compat/journal/t/begin", "{}"), HttpStatusCode.NotFound, "not_found");
        }, ("Journal:Enabled", "false"));

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(("Journal:Enabled", "false"), ("Journal:Listen:0", "unix:" + Path.Combine(_dir, "j.sock"))));
        Assert.Contains("Journal:Enabled", error.Message);
    }

    [Fact]
    public async Task JournalListenerOnAMainListenersAddress_IsAClearStartupError()
    {
        var socket = "unix:" + Path.Combine(_dir, "same.sock");

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(("Listen:1", socket), ("Journal:Listen:0", socket)));

        Assert.Contains("both Listen and Journal:Listen", error.Message);
    }

    [Fact]
    public async Task StoreDown_WithASecondary_AppendIsSpooledAnd201()
    {
        await WithServerAsync(async server =>
        {
            await server.Server.Store.DisposeAsync();
            using var journal = ServerFixture.UnixHttpClient(Path.Combine(_dir, "j.sock"));

            await JournalHttp.CompatAppendAsync(journal, "", "down-1", "begin", """{"n": 1}""");

            var spooled = Assert.Single(Directory.GetFiles(server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options.SecondaryDirectory!));
            Assert.Equal("down-1#begin", Path.GetFileName(spooled));

            using var http = server.TcpHttp();
            var native = await JournalHttp.AppendAsync(http, "down-1", "commit", "{}");
            Assert.True(native.GetProperty("spooled").GetBoolean());
            Assert.Equal("secondary", native.GetProperty("source").GetString());
            Assert.Equal(0, native.GetProperty("revision").GetInt64());
        }, ("Journal:Listen:0", "unix:" + Path.Combine(_dir, "j.sock")));
    }

    [Fact]
    public async Task StoreAndSecondaryDown_IsTheSeeds500()
    {
        await WithServerAsync(async server =>
        {
            // The secondary directory is gone (replaced by a file) and the store is closed.
            var secondary = server.Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options.SecondaryDirectory!;
            Directory.Delete(secondary, recursive: true);
            await File.WriteAllTextAsync(secondary, "in the way");
            await server.Server.Store.DisposeAsync();

            foreach (var (http, prefix) in new[] { (ServerFixture.UnixHttpClient(Path.Combine(_dir, "j.sock")), ""), (server.TcpHttp(), "/compat/journal") })
            {
                using var _ = http;
                using var response = await JournalHttp.PostAsync(http, $"{prefix}/lost-1/commit", "{}");

                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("""{"message": "Unsaved Journal entry -- lost-1##commit"}""", await response.Content.ReadAsStringAsync());
            }

            using var native = server.TcpHttp();
            await Problems.AssertAsync(await JournalHttp.PostAsync(native, "/v1/journal/lost-1/commit", "{}"), HttpStatusCode.ServiceUnavailable, "unavailable");
        }, ("Journal:Listen:0", "unix:" + Path.Combine(_dir, "j.sock")));
    }

    [Fact]
    public async Task StoreDown_WithoutASecondary_IsTheSeeds500()
    {
        await WithServerAsync(async server =>
        {
            await server.Server.Store.DisposeAsync();
            using var http = server.UnixHttp();

            using var response = await JournalHttp.PostAsync(http, "/compat/journal/lost-2/begin", "{}");

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("""{"message": "Unsaved Journal entry -- lost-2##begin"}""", await response.Content.ReadAsStringAsync());
        }, ("Journal:Secondary", ""));
    }
}

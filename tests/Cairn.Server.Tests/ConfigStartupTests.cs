using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cairn.Server.Tests;

/// <summary>
/// A configuration that cannot work stops <c>cairn serve</c> with one line on standard error that names what to fix —
/// a misspelled key, a value of the wrong type, a file that is not JSON, a port in use — a non-zero exit code and no
/// stack trace; and the log is written in the format asked for, every line with its time.
/// </summary>
public sealed partial class ConfigStartupTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-config-" + Guid.NewGuid().ToString("N")[..8]);

    public ConfigStartupTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Args(params string[] more) =>
        ["--data-dir", Path.Combine(_directory, "data"), "--listen", "unix:" + Path.Combine(_directory, "c.sock"), .. more];

    private static void AssertOneLineRefusal(ServeRun run, params string[] expected)
    {
        Assert.True(run.ExitCode != 0, $"cairn serve started: {run}");
        Assert.True(run.ErrorLines.Count == 1, $"expected one line on stderr: {run}");
        foreach (var text in expected)
        {
            Assert.True(run.ErrorLines[0].Contains(text, StringComparison.Ordinal), $"'{text}' is not in the error line: {run}");
        }

        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMisspelledKey_InTheConfigFile_IsOneLine_ThatNamesIt_AndTheSettingMeant()
    {
        var file = Path.Combine(_directory, "cairn.json");
        await File.WriteAllTextAsync(file, """{ "Lsiten": "http://127.0.0.1:7999" }""");

        var run = await ServeRun.RunAsync(_directory, Args("--config", file));

        AssertOneLineRefusal(run, "Lsiten", "did you mean 'Listen'?", file);
    }

    [Fact]
    public async Task AValueThatIsNotANumber_InAnEnvironmentVariable_IsOneLine_ThatNamesTheKeyTheValueAndTheType()
    {
        var run = await ServeRun.RunAsync(_directory, Args(), new Dictionary<string, string> { ["CAIRN_LIMITS__MAXKEYBYTES"] = "abc" });

        AssertOneLineRefusal(run, "Limits:MaxKeyBytes", "'abc'", "whole number", "CAIRN_LIMITS__MAXKEYBYTES");
    }

    [Fact]
    public async Task AnUnknownKeyInAModuleSection_IsRefused_AndTheModulesOwnKeysAreNot()
    {
        var file = Path.Combine(_directory, "cairn.json");
        await File.WriteAllTextAsync(file, """
            {
              "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "IncludeScopes": true } },
              "AllowedHosts": "*",
              "Journal": { "FoldAge": "2h", "Listen": [] },
              "Jobs": { "MaxConcurrency": { "reports": 2 }, "Environment": { "A": "b" } },
              "Pulzar": { "AllowedOrigins": "https://example.com" },
              "Volumes": { "OrphanGrace": "1m", "Retension": "2d" }
            }
            """);

        var run = await ServeRun.RunAsync(_directory, Args("--config", file));

        AssertOneLineRefusal(run, "'Volumes:Retension'");
        Assert.DoesNotContain("Logging", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Journal", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Jobs", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Pulzar", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfigFileThatIsNotJson_IsOneLine_ThatNamesTheFileAndTheLine()
    {
        var file = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(file, "{\n  \"DataDir\": \"x\",\n  \"Listen\": [ \"http://127.0.0.1:1\" \n}\n");

        var run = await ServeRun.RunAsync(_directory, Args("--config", file));

        AssertOneLineRefusal(run, file, "not valid JSON", "line 4");
    }

    [Fact]
    public async Task ABadLogFormat_IsOneLine_ThatNamesTheSetting()
    {
        var run = await ServeRun.RunAsync(_directory, Args(), new Dictionary<string, string> { ["CAIRN_LOGGING__FORMAT"] = "xml" });

        AssertOneLineRefusal(run, "Logging:Format", "'xml'");
    }

    [Fact]
    public async Task APortInUse_IsOneLine_ThatNamesTheAddress_WithoutAStackTrace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";

        var run = await ServeRun.RunAsync(_directory, ["--data-dir", Path.Combine(_directory, "data"), "--listen", address]);

        AssertOneLineRefusal(run, $"Cannot listen on {address}: address already in use");
    }

    [Fact]
    public async Task LoggingFormatJson_WritesOneJsonObjectPerLine_WithItsTime()
    {
        var environment = new Dictionary<string, string>
        {
            ["CAIRN_LOGGING__FORMAT"] = "json",
            ["CAIRN_LOGGING__LOGLEVEL__DEFAULT"] = "Information",
            ["CAIRN_ENDPOINT"] = "http://127.0.0.1:1", // the client's variable: not a server setting, and no error
        };
        using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"), TimeSpan.FromSeconds(60), environment);
        await Eventually.UntilAsync(() => server.Output.Length > 0, TimeSpan.FromSeconds(30), "the server logs at start-up");

        var lines = server.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            var time = entry.RootElement.GetProperty("Timestamp").GetString();
            Assert.True(DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), $"not a time: {line}");
            Assert.EndsWith("Z", time, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheTextLog_StartsEveryLineWithItsTimeInUtc()
    {
        var environment = new Dictionary<string, string> { ["CAIRN_LOGGING__LOGLEVEL__DEFAULT"] = "Information" };
        using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"), TimeSpan.FromSeconds(60), environment);
        await Eventually.UntilAsync(() => server.Output.Length > 0, TimeSpan.FromSeconds(30), "the server logs at start-up");

        foreach (var line in server.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Matches(UtcTimestamp(), line);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z ")]
    private static partial Regex UtcTimestamp();
}

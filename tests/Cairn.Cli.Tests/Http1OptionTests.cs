using System.Net;
using Cairn.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Cli.Tests;

/// <summary>The CLI speaks HTTP/2 (h2c on <c>http://</c>); <c>--http1</c> or <c>CAIRN_HTTP1=1</c> make it speak HTTP/1.1,
/// for a proxy in between that speaks nothing else — here a server that speaks only HTTP/1.1.</summary>
public sealed class Http1OptionTests
{
    [Fact]
    public async Task AgainstAnHttp11OnlyServer_TheErrorNamesHttp1_AndHttp1OrItsVariableWorks()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        await using var app = builder.Build();
        app.MapGet("/v1/auth/status", () => Results.Json(new AuthStatusDto { Enabled = false }, WireJson.Options));
        await app.StartAsync();
        var endpoint = app.Urls.Single();

        var h2c = await CliRun.RunAsync(["auth", "status", "--endpoint", endpoint]);
        var flag = await CliRun.RunAsync(["auth", "status", "--endpoint", endpoint, "--http1"]);
        var variable = await RunWithAsync(new() { ["CAIRN_HTTP1"] = "1" }, ["auth", "status", "--endpoint", endpoint]);

        Assert.Contains("--http1", h2c.AssertOneLineError(), StringComparison.Ordinal);
        Assert.True(flag.ExitCode == 0, flag.Error);
        Assert.Contains("false", flag.Out, StringComparison.Ordinal);
        Assert.True(variable.ExitCode == 0, variable.Error);
        Assert.Equal(flag.Out, variable.Out);
    }

    private static async Task<CliRun> RunWithAsync(Dictionary<string, string> variables, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new CliEnvironment(name => variables.GetValueOrDefault(name) ?? Environment.GetEnvironmentVariable(name), null);
        var code = await Cli.RunAsync(args, stdout, stderr, () => new MemoryStream(), environment: environment);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}

using System.Text.Json;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn blob …</c>, <c>cairn search</c>, <c>cairn admin …</c> and <c>cairn snapshot …</c> against a real server.</summary>
public sealed class BlobCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync([.. args, "--endpoint", fixture.UnixEndpoint]);

    [Fact]
    public async Task PutGetLsSearchRm_RoundTripAFile()
    {
        var dir = Directory.CreateTempSubdirectory("cairn-cli-blob-").FullName;
        try
        {
            var file = Path.Combine(dir, "in.bin");
            var body = Bytes(200_000, 1);
            await File.WriteAllBytesAsync(file, body);

            var put = await Run("blob", "put", "cli/docs/report-1.bin", file, "--ttl", "1h");
            var get = await Run("blob", "get", "cli/docs/report-1.bin", "-o", Path.Combine(dir, "out.bin"));
            var ls = await Run("blob", "ls", "cli/");
            var search = await Run("search", "report", "--on", DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--json");
            var none = await Run("search", "report", "--before", DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--json");
            var rm = await Run("blob", "rm", "cli/docs/report-1.bin");
            var again = await Run("blob", "rm", "cli/docs/report-1.bin");

            Assert.Equal(0, put.ExitCode);
            Assert.StartsWith("stored cli/docs/report-1.bin (200,000 bytes", put.Out.Replace("200000", "200,000", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal(0, get.ExitCode);
            Assert.Equal(body, await File.ReadAllBytesAsync(Path.Combine(dir, "out.bin")));
            Assert.Contains("cli/docs/report-1.bin", ls.Out);
            Assert.Single(JsonDocument.Parse(search.Out).RootElement.GetProperty("items").EnumerateArray(), i => i.GetProperty("key").GetString() == "cli/docs/report-1.bin");
            Assert.DoesNotContain("cli/docs/report-1.bin", none.Out);
            Assert.Equal(0, rm.ExitCode);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("not found", again.AssertOneLineError());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PutFromStdin_AndBadInput_AreClear()
    {
        var put = await CliRun.RunAsync(["blob", "put", "cli/stdin.txt", "--endpoint", fixture.TcpEndpoint], "from stdin");
        var missing = await Run("blob", "get", "cli/no-such-blob");
        var traversal = await Run("blob", "put", "../etc/passwd", "/etc/hostname");
        var badDate = await Run("search", "x", "--on", "11-23-2026");
        var noFile = await Run("blob", "put", "cli/x", "/no/such/file");

        Assert.Equal(0, put.ExitCode);
        Assert.Contains("not found", missing.AssertOneLineError());
        Assert.Contains("'..'", traversal.AssertOneLineError());
        Assert.Contains("yyyy-mm-dd", badDate.AssertOneLineError());
        Assert.Contains("does not exist", noFile.AssertOneLineError());
    }

    [Fact]
    public async Task AdminStatusAndNodes_ShowRealFigures()
    {
        await CliRun.RunAsync(["blob", "put", "cli/admin.bin", "--endpoint", fixture.TcpEndpoint], new string('x', 50_000));
        var status = await Run("admin", "status", "--json");
        var nodes = await Run("admin", "nodes");

        Assert.Equal(0, status.ExitCode);
        Assert.True(JsonDocument.Parse(status.Out).RootElement.GetProperty("entries").GetInt64() >= 1);
        Assert.Equal(0, nodes.ExitCode);
        Assert.Contains(fixture.Server.Options.NodeId!, nodes.Out);
    }

    [Fact]
    public async Task SnapshotSave_ThenRestore_IntoANewDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("cairn-cli-snap-").FullName;
        try
        {
            await CliRun.RunAsync(["blob", "put", "cli/snap.bin", "--endpoint", fixture.TcpEndpoint], new string('y', 40_000));
            var file = Path.Combine(dir, "s.tar");
            var save = await Run("snapshot", "save", file);
            var restore = await CliRun.RunAsync(["snapshot", "restore", file, "--data-dir", Path.Combine(dir, "data")]);
            var refused = await CliRun.RunAsync(["snapshot", "restore", file, "--data-dir", Path.Combine(dir, "data")]);

            Assert.Equal(0, save.ExitCode);
            Assert.StartsWith("saved ", save.Out, StringComparison.Ordinal);
            Assert.Equal(0, restore.ExitCode);
            Assert.True(File.Exists(Path.Combine(dir, "data", "cairn.db")));
            Assert.Contains("not empty", refused.AssertOneLineError());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli.Tests.Carts;

/// <summary><c>cairn cart …</c> against a real server whose archive is a directory: <c>cart get</c> end to end (the real
/// executable), a resumed download, <c>--from</c> in both shapes, the admin commands, and bad input as one line and a
/// non-zero exit.</summary>
public sealed class CartCommandTests(CartServerFixture fixture) : IClassFixture<CartServerFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _work = Directory.CreateTempSubdirectory("cairn-cart-cli-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    // The endpoint goes first: after a "--" it would be part of the COMMAND.
    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.TcpEndpoint, .. args]);

    private string Work(string name) => Path.Combine(_work, name);

    private static Dictionary<string, byte[]> Members(string tarPath, out List<string> order)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        order = [];
        using var reader = new TarReader(File.OpenRead(tarPath));
        while (reader.GetNextEntry() is { } entry)
        {
            order.Add(entry.Name);
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                members[entry.Name] = content.ToArray();
            }
        }

        return members;
    }

    private async Task<CartDto> SettledAsync(CairnClient client, string uid)
    {
        CartDto? cart = null;
        await Eventually.UntilAsync(async () => (cart = await client.GetCartAsync(uid))?.State is CartStates.Ready or CartStates.Error, Deadline, $"cart {uid} is settled");
        return cart!;
    }

    [Fact]
    public async Task Get_TheRealExecutable_CreatesTheCart_ShowsItsProgress_AndWritesTheTar()
    {
        var uid = Unique("get");
        var a = fixture.AddFile(uid + "/a.bin", 200_000);
        var b = fixture.AddFile(uid + "/sub/b.txt", 777);
        var output = Work("out.tar");

        using var child = ChildCairn.Start("--endpoint", fixture.TcpEndpoint, "cart", "get", uid, uid + "/a.bin", uid + "/sub/b.txt", "-o", output);
        using var timeout = new CancellationTokenSource(Deadline);
        await child.Process.WaitForExitAsync(timeout.Token);
        child.Process.WaitForExit();

        Assert.True(child.Process.ExitCode == 0, $"cart get exited {child.Process.ExitCode}: {child.Error}");
        var members = Members(output, out var order);
        Assert.Equal(a, members[$"out/{uid}/a.bin"]);
        Assert.Equal(b, members[$"out/{uid}/sub/b.txt"]);
        Assert.Equal("out/", order[0]);
        Assert.False(File.Exists(output + ".part"));
        Assert.False(File.Exists(output + ".part.etag"));
        Assert.Contains($"cart {uid} created: 2 file(s)", child.Error, StringComparison.Ordinal);
        Assert.Contains($"cart {uid}: ready", child.Error, StringComparison.Ordinal);
        Assert.Contains("download [", child.Error, StringComparison.Ordinal);
        Assert.Equal($"{output}: {new FileInfo(output).Length} bytes", child.Out.Split(" (")[0]);
    }

    [Fact]
    public async Task Get_ResumesAPartialDownloadByRange_ByteIdentical_AndRestartsWhenItsETagIsStale()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("resume");
        fixture.AddFile(uid + "/big.bin", 300_000);
        fixture.AddFile(uid + "/small.bin", 3_000);
        await Cairn("cart", "get", uid, uid + "/big.bin", uid + "/small.bin", "-o", Work("first.tar"), "-q");
        var whole = new MemoryStream();
        var reference = await client.DownloadCartAsync(uid, whole, fileName: "out.tar");
        var output = Work("out.tar");
        var half = (int)(whole.Length / 2);

        await File.WriteAllBytesAsync(output + ".part", whole.ToArray()[..half]);
        await File.WriteAllTextAsync(output + ".part.etag", reference.ETag + "\n");
        var resumed = await Cairn("cart", "get", uid, "-o", output, "--json");
        var resumedBytes = await File.ReadAllBytesAsync(output);

        await File.WriteAllBytesAsync(output + ".part", new byte[half]);
        await File.WriteAllTextAsync(output + ".part.etag", "\"another-version\"\n");
        var restarted = await Cairn("cart", "get", uid, "-o", output, "--json");
        var restartedBytes = await File.ReadAllBytesAsync(output);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        using (var json = JsonDocument.Parse(resumed.Out))
        {
            Assert.True(json.RootElement.GetProperty("resumed").GetBoolean());
            Assert.Equal(half, json.RootElement.GetProperty("offset").GetInt64());
            Assert.Equal(whole.Length, json.RootElement.GetProperty("bytes").GetInt64());
        }

        Assert.Equal(whole.ToArray(), resumedBytes);
        Assert.Contains($"resuming {output}.part at ", resumed.Error, StringComparison.Ordinal);
        Assert.True(restarted.ExitCode == 0, restarted.Error);
        using (var json = JsonDocument.Parse(restarted.Out))
        {
            Assert.False(json.RootElement.GetProperty("resumed").GetBoolean());
        }

        Assert.Equal(whole.ToArray(), restartedBytes);
        Assert.False(File.Exists(output + ".part"));
        Assert.False(File.Exists(output + ".part.etag"));
    }

    [Fact]
    public async Task Get_From_TakesTheSeedsCartJson_AndABareArrayOfFileIds()
    {
        var uid = Unique("from");
        var one = fixture.AddFile(uid + "/1.bin", 5_000);
        var two = fixture.AddFile(uid + "/2.bin", 6_000);
        var seedJson = Work("cart.json");
        await File.WriteAllTextAsync(seedJson, $$"""
            {"fileids": [
              {"id": "{{uid}}/1.bin", "path": "1/2/3/one.bin", "hashtype": "sha512", "hashsum": "{{Convert.ToHexString(SHA512.HashData(one)).ToLowerInvariant()}}"},
              {"id": "{{uid}}/2.bin", "path": "two.bin", "hashtype": "sha256", "hashsum": "{{Convert.ToHexString(SHA256.HashData(two))}}"}
            ], "bundle": true}
            """);
        var arrayJson = Work("ids.json");
        await File.WriteAllTextAsync(arrayJson, $$"""["{{uid}}/2.bin", {"id": "{{uid}}/1.bin", "path": "renamed.bin"}]""");

        var seed = await Cairn("cart", "get", uid + "-seed", "--from", seedJson, "-o", Work("seed.tar"), "-q");
        var array = await Cairn("cart", "get", uid + "-array", "--from", arrayJson, "-o", Work("array.tar"), "-q");
        var show = await Cairn("cart", "show", uid + "-seed", "--json");

        Assert.True(seed.ExitCode == 0, seed.Error);
        Assert.True(array.ExitCode == 0, array.Error);
        var seedMembers = Members(Work("seed.tar"), out _);
        Assert.Equal(one, seedMembers["seed/1/2/3/one.bin"]);
        Assert.Equal(two, seedMembers["seed/two.bin"]);
        Assert.True(JsonSerializer.Deserialize<CartDto>(show.Out, WireJson.Options)!.Bundle);
        var arrayMembers = Members(Work("array.tar"), out var order);
        Assert.Equal(two, arrayMembers[$"array/{uid}/2.bin"]);
        Assert.Equal(one, arrayMembers["array/renamed.bin"]);
        Assert.True(order.IndexOf($"array/{uid}/2.bin") < order.IndexOf("array/renamed.bin"));
    }

    [Fact]
    public async Task LsShowFixDumpRm_ReportAndManageCarts()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var good = Unique("good");
        var bad = Unique("bad");
        fixture.AddFile(good + "/g.bin", 1_000);
        fixture.AddFile(bad + "/here.bin", 1_000);
        await client.CreateCartAsync(good, new CreateCartDto { FileIds = [FileId(good + "/g.bin")] });
        await client.CreateCartAsync(bad, new CreateCartDto { FileIds = [FileId(bad + "/here.bin"), FileId(bad + "/later.bin")] });
        await SettledAsync(client, good);
        await SettledAsync(client, bad);

        var ls = await Cairn("cart", "ls");
        var lsError = await Cairn("cart", "ls", "--state", "error");
        var show = await Cairn("cart", "show", bad);
        var get = await Cairn("cart", "get", bad, "-o", Work("bad.tar"));
        var yaml = await Cairn("cart", "dump");
        var json = await Cairn("cart", "dump", "--json");
        fixture.AddFile(bad + "/later.bin", 500);
        var fix = await Cairn("cart", "fix", bad);
        var fixedCart = await SettledAsync(client, bad);
        var rm = await Cairn("cart", "rm", good, bad);
        var rmAgain = await Cairn("cart", "rm", good);

        Assert.Matches(@"(?m)^UID\s+STATE\s+FILES\s+BYTES\s+NODE\s+UPDATED\s+MESSAGE$", ls.Out);
        Assert.Matches($@"(?m)^{good}\s+ready\s+1/1\s+1000 B\s+\S+\s+\d{{4}}-", ls.Out);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(ls.Out, $@"(?m)^{bad}\s+error\s+[01]/2\s.*Failed to pull file\("), ls.Out);
        Assert.Contains(bad, lsError.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(good, lsError.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^state\s+error$", show.Out);
        Assert.Matches(@"(?m)^INDEX\s+ID\s+PATH\s+STATE\s+SIZE\s+DONE\s+MEDIA\s+ERROR$", show.Out);
        Assert.Matches($@"(?m)^0\s+{bad}/here.bin\s+{bad}/here.bin\s+\w+\s", show.Out); // staged, or stopped when the other failed
        Assert.Matches($@"(?m)^1\s+{bad}/later.bin\s+{bad}/later.bin\s+error\s.*Failed to stage", show.Out);
        Assert.Equal(1, get.ExitCode);
        Assert.StartsWith($"cairn: Cart {bad} failed: Failed to pull file(", get.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
        Assert.False(File.Exists(Work("bad.tar")));

        Assert.Equal(0, yaml.ExitCode);
        Assert.Contains($"uid: {good}", yaml.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  files:$", yaml.Out);
        Assert.Contains($"path: {good}/g.bin", yaml.Out, StringComparison.Ordinal);
        var dumped = JsonSerializer.Deserialize<List<CartDto>>(json.Out, WireJson.Options)!;
        Assert.Equal(2, dumped.Single(c => c.Uid == bad).Files!.Count);
        Assert.Equal(CartStates.Ready, dumped.Single(c => c.Uid == good).State);

        Assert.Equal(0, fix.ExitCode);
        Assert.StartsWith($"cart {bad}: ", fix.Out, StringComparison.Ordinal);
        Assert.Equal(CartStates.Ready, fixedCart.State);
        Assert.Equal($"cart {good} deleted\ncart {bad} deleted\n", rm.Out);
        Assert.Contains(good, rmAgain.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Null(await client.GetCartAsync(good));
    }

    [Fact]
    public async Task PurgeDryRun_NamesTheOldCarts_AndDeletesNothing()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var uid = Unique("old");
        fixture.AddFile(uid + "/o.bin", 10);
        await client.CreateCartAsync(uid, new CreateCartDto { FileIds = [FileId(uid + "/o.bin")] });
        await SettledAsync(client, uid);

        var dry = await Cairn("cart", "purge", "--older-than", "0s", "--dry-run");
        var young = await Cairn("cart", "purge", "--older-than", "180d", "--dry-run");

        Assert.Equal(0, dry.ExitCode);
        Assert.Contains($"would delete {uid}\n", dry.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\d+ cart\(s\) would be deleted \(dry run\)$", dry.Out);
        Assert.Equal("0 cart(s) would be deleted (dry run)\n", young.Out);
        Assert.NotNull(await client.GetCartAsync(uid));
    }

    [Theory]
    [InlineData("get", "a/b", "x", "-o", "OUT")]
    [InlineData("get", "..", "x", "-o", "OUT")]
    [InlineData("get", "no-files-given", "-o", "OUT")]
    [InlineData("get", "from-missing", "--from", "WORK/missing.json", "-o", "OUT")]
    [InlineData("get", "from-not-json", "--from", "WORK/not.json", "-o", "OUT")]
    [InlineData("get", "from-wrong-shape", "--from", "WORK/shape.json", "-o", "OUT")]
    [InlineData("get", "to-missing-dir", "x", "-o", "WORK/no/such/dir/out.tar")]
    [InlineData("get", "no-output", "x")]
    [InlineData("purge", "--older-than", "forever")]
    [InlineData("purge", "--older-than", "-1d")]
    [InlineData("show", "no-such-cart")]
    [InlineData("fix", "no-such-cart")]
    [InlineData("rm", "no-such-cart")]
    [InlineData("ls", "--state", "lost")]
    public async Task BadInput_FailsWithOneLine_AndCreatesNoCart(params string[] args)
    {
        await File.WriteAllTextAsync(Work("not.json"), "{ not json");
        await File.WriteAllTextAsync(Work("shape.json"), """{"files": ["x"]}""");
        var resolved = args.Select(a => a == "OUT" ? Work("out.tar") : a.Replace("WORK/", _work + "/", StringComparison.Ordinal)).ToArray();

        var run = await Cairn(["cart", .. resolved]);

        Assert.NotEmpty(run.AssertOneLineError());
        if (args[0] == "get" && args[1] is not ("a/b" or ".."))
        {
            using var client = new CairnClient(fixture.TcpEndpoint);
            Assert.Null(await client.GetCartAsync(args[1]));
        }

        Assert.False(File.Exists(Work("out.tar")));
    }

    private static CartFileRequestDto FileId(string id) => new() { Id = JsonSerializer.SerializeToElement(id), Path = id };
}

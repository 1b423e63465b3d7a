using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests.Carts;

/// <summary>
/// A server with carts on, short timings (polls from 50 ms, retries from 50 ms, a 3 s stage timeout, a 2 s claim TTL),
/// a <c>Carts:Listen</c> TCP listener serving pacifica-cartd's API at its root, and the archive <c>directory</c> over
/// <see cref="ArchiveDir"/> (the seed's three test files in it). Jobs are off (their workers are not the point here).
/// </summary>
public class CartsServerFixture : ServerFixture, IAsyncLifetime
{
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        DeleteArchiveDir();
    }

    /// <summary>Removes <see cref="ArchiveDir"/> (after the server is disposed).</summary>
    protected void DeleteArchiveDir()
    {
        if (Directory.Exists(ArchiveDir))
        {
            Directory.Delete(ArchiveDir, recursive: true);
        }
    }

    public CartsServerFixture()
    {
        Directory.CreateDirectory(ArchiveDir);
        foreach (var (name, content) in Cartd.SeedFiles)
        {
            File.WriteAllText(Path.Combine(ArchiveDir, name), content);
        }

        Settings["Jobs:Enabled"] = "false";
        Settings["Carts:Listen:0"] = "http://127.0.0.1:0";
        Settings["Carts:Listen:1"] = "unix:" + CartdSocket;
        Settings["Carts:ArchiveDirectory"] = ArchiveDir;
        Settings["Carts:Archive"] = "directory";
        Settings["Carts:PollInitial"] = "50ms";
        Settings["Carts:PollMax"] = "200ms";
        Settings["Carts:RetryInitial"] = "50ms";
        Settings["Carts:RetryMax"] = "200ms";
        Settings["Carts:Attempts"] = "3";
        Settings["Carts:StageTimeout"] = "3s";
        Settings["Carts:ClaimTtl"] = "2s";
        Settings["Carts:ProgressInterval"] = "100ms";
        Settings["Carts:MinFreeBytes"] = "0";
    }

    /// <summary>The files the archive <c>directory</c> serves.</summary>
    public string ArchiveDir { get; } = Path.Combine(Path.GetTempPath(), "cairn-archive-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The cartd API's Unix socket listener.</summary>
    public string CartdSocket => Path.Combine(DataDir, "cartd.sock");

    /// <summary>The cart volume.</summary>
    public string VolumeDir => Path.Combine(DataDir, "carts");

    /// <summary><c>http://127.0.0.1:PORT</c> of the <c>Carts:Listen</c> listener.</summary>
    public string CartdEndpoint => Server.CompatAddresses("cartd").Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    /// <summary>A client of the cartd API at the root of its own listener, as the seed's clients call it.</summary>
    public HttpClient CartdHttp() => new() { BaseAddress = new Uri(CartdEndpoint) };

    /// <summary>Writes <paramref name="content"/> as archive file <paramref name="name"/>.</summary>
    public void AddArchiveFile(string name, string content) => File.WriteAllText(Path.Combine(ArchiveDir, name), content);
}

/// <summary>Calls the carts tests share. Every uid is new per test, so tests can share a server.</summary>
internal static class Cartd
{
    /// <summary>A deadline against a hang, not a measure of speed: generous for a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The seed's test files (<c>tests/cart_db_setup_test.py</c>).</summary>
    public static readonly (string Name, string Content)[] SeedFiles =
    [
        ("foo.txt", "Writing content for first file"),
        ("bar.csv", "Writing,content,for,second,file"),
        ("baz.ini", "Writing content for the third and final file"),
    ];

    public static string NewUid(string what = "cart") => what + "-" + Guid.NewGuid().ToString("N")[..10];

#pragma warning disable CA5351 // md5 is the hash the seed's clients send; here it checks content, not secrets
    public static string Md5(string content) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    /// <summary>The seed's <c>cart_json_helper</c>: its three files with their md5s, optionally bundled.</summary>
    public static string SeedCartJson(bool? bundle = null, string? archive = null)
    {
        var files = new[] { ("foo.txt", "1/2/3/foo.txt"), ("bar.csv", "1/2/3/bar.csv"), ("baz.ini", "2/3/4/baz.ini") }
            .Select(f => new { id = f.Item1, path = f.Item2, hashtype = "md5", hashsum = Md5(SeedFiles.Single(s => s.Name == f.Item1).Content) });
        var body = new Dictionary<string, object> { ["fileids"] = files };
        if (bundle is { } b)
        {
            body["bundle"] = b;
        }

        if (archive is not null)
        {
            body["archive"] = archive;
        }

        return JsonSerializer.Serialize(body);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Posts a cart on the cartd API and checks the seed's answer.</summary>
    public static async Task PostAsync(HttpClient cartd, string uid, string json)
    {
        using var response = await cartd.PostAsync("/" + uid, Json(json));
        var body = await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("Cart Processing has begun", body.GetProperty("message").GetString());
    }

    /// <summary>HEADs the cart until it is settled (the seed's clients' loop, with a deadline); its code, status and message.</summary>
    public static async Task<(HttpStatusCode Code, string Status, string Message)> SettledAsync(HttpClient cartd, string uid)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var response = await cartd.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + uid));
            var status = response.Headers.GetValues("X-Pacifica-Status").Single();
            var message = response.Headers.GetValues("X-Pacifica-Message").Single();
            if (status is "ready" or "error")
            {
                return (response.StatusCode, status, message);
            }

            Assert.True(DateTime.UtcNow < until, $"cart {uid} still {status} after {Deadline}");
            await Task.Delay(50);
        }
    }

    /// <summary>The tar's members: name → bytes (directories: null).</summary>
    public static async Task<Dictionary<string, byte[]?>> MembersAsync(Stream tar)
    {
        var members = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                using var copy = new MemoryStream();
                await data.CopyToAsync(copy);
                members[entry.Name] = copy.ToArray();
            }
            else
            {
                Assert.Equal(TarEntryType.Directory, entry.EntryType);
                members[entry.Name] = null;
            }
        }

        return members;
    }

    public static string Text(byte[]? bytes) => Encoding.UTF8.GetString(bytes ?? []);

    /// <summary>The SHA-256 of a stream read to its end, and its length (nothing of it kept).</summary>
    public static async Task<(string Sha256, long Length)> HashAsync(Stream stream, IncrementalHash? into = null, long? stopAfter = null)
    {
        using var own = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hash = into ?? own;
        var buffer = new byte[1 << 20];
        long length = 0;
        int n;
        while ((stopAfter is null || length < stopAfter) && (n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, (stopAfter ?? long.MaxValue) - length)))) > 0)
        {
            hash.AppendData(buffer, 0, n);
            length += n;
        }

        return (into is null ? Convert.ToHexStringLower(hash.GetHashAndReset()) : "", length);
    }

    public static RangeHeaderValue From(long offset) => new(offset, null);
}

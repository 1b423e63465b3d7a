using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cairn.Client;
using Cairn.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests;

/// <summary>A server on a fake clock whose journal listens on its own Unix socket (as the seed's clients expect), folds
/// requests an hour old and keeps history a day; passes run only when a test asks (the interval is a year).</summary>
public sealed class JournalLargeFixture : ServerFixture
{
    public JournalLargeFixture()
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        Settings["Journal:Listen:0"] = "unix:" + JournalSocketPath;
        Settings["Journal:FoldAge"] = "1h";
        Settings["Journal:Retention"] = "1d";
        Settings["Journal:ExportInterval"] = "365d";
    }

    public FakeTimeProvider Clock => (FakeTimeProvider)Time!;

    public string JournalSocketPath => Path.Combine(DataDir, "journal.sock");

    public string ExportDir => Path.Combine(DataDir, "journal-export");

    public IKeyspace Keyspace => Server.Services.GetRequiredService<IKeyspace>();
}

/// <summary>
/// Messages of many megabytes, as the seed took them, over real connections on the embedded store: they round-trip
/// byte for byte through the seed's API, the native API and the client, the keyspace holds only a pointer to each (the
/// body is a Volumes blob that the blob APIs neither show nor touch), history and export keep them, and retention
/// removes their blobs.
/// </summary>
public sealed class JournalLargeMessageTests(JournalLargeFixture fixture) : IClassFixture<JournalLargeFixture>
{
    private const int Threshold = 64 * 1024;

    [Fact]
    public async Task ATenMegabyteMessage_RoundTripsThroughTheSeedApi_ByteForByte_WithOnlyAPointerInTheKeyspace()
    {
        var txid = JournalHttp.NewTxid("big");
        var message = LargeMessages.Of(txid, 10_000_000);
        var blobsBefore = await LargeMessages.BlobKeysAsync(fixture.Keyspace);
        using var seed = ServerFixture.UnixHttpClient(fixture.JournalSocketPath);

        await LargeMessages.PostAsync(seed, "", txid, "begin", Encoding.UTF8.GetBytes("""{"user_id":"u1"}"""));
        await LargeMessages.PostAsync(seed, "", txid, "commit", message);

        // The seed's status: {"status": <the commit message>}, every byte of it.
        Assert.Equal(LargeMessages.SeedStatus(message), await LargeMessages.StatusBytesAsync(seed, "", txid));

        // The keyspace holds a pointer; the message is one Volumes blob, under the journal's reserved prefix.
        await LargeMessages.AssertJournalValuesAreSmallAsync(fixture.Keyspace, txid, Threshold);
        var added = (await LargeMessages.BlobKeysAsync(fixture.Keyspace)).Except(blobsBefore).ToList();
        Assert.StartsWith("/cairn/blobs/meta/.cairn/journal/", Assert.Single(added), StringComparison.Ordinal);

        // The native API and the .NET client give the same message (as a JSON value of their answer: its writer escapes
        // some characters its own way, so they are compared as values).
        using var http = fixture.TcpHttp();
        var request = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{txid}")).RootElement;
        var commit = request.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "commit");
        Assert.Equal(LargeMessages.PayloadOf(message), commit.GetProperty("message").GetProperty("payload").GetString());
        Assert.Equal($"req-{txid}", request.GetProperty("fields").GetProperty("requestId").GetString());
        var native = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{txid}/status")).RootElement;
        Assert.Equal(LargeMessages.PayloadOf(message), native.GetProperty("message").GetProperty("payload").GetString());
        using var client = new CairnClient(fixture.UnixEndpoint);
        var status = await client.GetJournalStatusAsync(txid);
        Assert.Equal("committed", status!.State);
        Assert.Equal(LargeMessages.PayloadOf(message), status.Message!.Value.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task FoldAndExport_KeepTheLargeMessage_AndRetentionRemovesItsBlob()
    {
        var txid = JournalHttp.NewTxid("hist");
        var message = LargeMessages.Of(txid, 2_000_000);
        using var http = fixture.TcpHttp();
        var blobsBefore = await LargeMessages.BlobKeysAsync(fixture.Keyspace);
        await LargeMessages.PostAsync(http, "/compat/journal", txid, "begin", Encoding.UTF8.GetBytes("""{"user_id":"u1"}"""));
        await LargeMessages.PostAsync(http, "/compat/journal", txid, "commit", message);
        var blob = Assert.Single((await LargeMessages.BlobKeysAsync(fixture.Keyspace)).Except(blobsBefore));

        fixture.Clock.Advance(TimeSpan.FromHours(2));
        var files = await LargeMessages.ExportAsync(http);

        // In history: the status answers from there, the blob is still what it points to, the export has the payload.
        var request = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{txid}")).RootElement;
        Assert.Equal(JsonValueKind.Number, request.GetProperty("segment").ValueKind);
        Assert.Equal(LargeMessages.SeedStatus(message), await LargeMessages.StatusBytesAsync(http, "/compat/journal", txid));
        Assert.Contains(blob, await LargeMessages.BlobKeysAsync(fixture.Keyspace));
        await LargeMessages.AssertJournalValuesAreSmallAsync(fixture.Keyspace, txid, Threshold);
        var row = files.SelectMany(LargeMessages.CsvRows).Single(r => r.Contains(txid, StringComparison.Ordinal) && r.Contains(",commit,", StringComparison.Ordinal));
        Assert.Equal(LargeMessages.PayloadOf(message), row.Split(',')[^1]);

        // Past retention: the request and its blob are gone, the volume file too.
        var volumeFiles = LargeMessages.VolumeFiles(fixture.DataDir);
        fixture.Clock.Advance(TimeSpan.FromDays(2));
        await LargeMessages.ExportAsync(http);

        Assert.DoesNotContain(blob, await LargeMessages.BlobKeysAsync(fixture.Keyspace));
        var (code, _, _) = await JournalHttp.CompatStatusAsync(http, "/compat/journal", txid);
        Assert.Equal(HttpStatusCode.NotFound, code);
        await Eventually.UntilAsync(
            () => LargeMessages.VolumeFiles(fixture.DataDir).Length < volumeFiles.Length,
            TimeSpan.FromSeconds(30),
            "the removed blob's volume file is gone");
    }

    [Fact]
    public async Task TheJournalsBlobs_AreRefusedAndHidden_OnTheBlobApisAndThePulzarApi()
    {
        var txid = JournalHttp.NewTxid("hidden");
        var message = LargeMessages.Of(txid, 300_000);
        using var http = fixture.TcpHttp();
        var blobsBefore = await LargeMessages.BlobKeysAsync(fixture.Keyspace);
        await LargeMessages.PostAsync(http, "/compat/journal", txid, "commit", message);
        var key = Assert.Single((await LargeMessages.BlobKeysAsync(fixture.Keyspace)).Except(blobsBefore))["/cairn/blobs/meta/".Length..];
        Assert.StartsWith(".cairn/journal/", key, StringComparison.Ordinal);

        // /v1/blobs: no read, write or delete of it, nor of any other key under the prefix.
        await Problems.AssertAsync(await http.GetAsync("/v1/blobs/" + key), HttpStatusCode.Forbidden, "forbidden");
        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/blobs/" + key)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        }

        await Problems.AssertAsync(await http.PutAsync("/v1/blobs/" + key, new ByteArrayContent([1, 2, 3])), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await http.DeleteAsync("/v1/blobs/" + key), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await http.PutAsync("/v1/blobs/.cairn/mine", new ByteArrayContent([1])), HttpStatusCode.Forbidden, "forbidden");

        // ... and listings and searches leave it out.
        Assert.Empty(LargeMessages.ListedKeys(await http.GetStringAsync("/v1/blobs?prefix=.cairn/")));
        Assert.DoesNotContain(LargeMessages.ListedKeys(await http.GetStringAsync("/v1/blobs")), k => k.StartsWith(".cairn/", StringComparison.Ordinal));

        // The Pulzar API: the same.
        await Problems.AssertAsync(await http.GetAsync("/compat/pulzar/get_key/" + key), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await http.PutAsync("/compat/pulzar/add_key/" + key, new ByteArrayContent([1])), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await http.DeleteAsync("/compat/pulzar/delete_key/" + key), HttpStatusCode.Forbidden, "forbidden");
        var search = JsonDocument.Parse(await http.GetStringAsync("/compat/pulzar/third_party/search/journal")).RootElement;
        Assert.DoesNotContain(search.GetProperty("results").EnumerateArray(), r => r.GetProperty("key").GetString()!.StartsWith(".cairn/", StringComparison.Ordinal));

        // Nothing of that touched it.
        Assert.Equal(LargeMessages.SeedStatus(message), await LargeMessages.StatusBytesAsync(http, "/compat/journal", txid));
    }
}

/// <summary>A server without Volumes: large messages have nowhere to go but the keyspace.</summary>
public sealed class NoVolumesJournalFixture : ServerFixture
{
    public NoVolumesJournalFixture() => Settings["Volumes:Enabled"] = "false";

    public IKeyspace Keyspace => Server.Services.GetRequiredService<IKeyspace>();
}

/// <summary>Without Volumes, a message the store takes as one value is kept inline, and one it cannot is a clear 413
/// that writes nothing (not even to the secondary).</summary>
public sealed class JournalWithoutVolumesTests(NoVolumesJournalFixture fixture) : IClassFixture<NoVolumesJournalFixture>
{
    [Fact]
    public async Task AMessageTooLargeForOneValue_Is413_SayingWhatToDo_AndNothingIsWritten()
    {
        var txid = JournalHttp.NewTxid("novol");
        using var http = fixture.TcpHttp();

        using var response = await http.PostAsync($"/compat/journal/{txid}/commit", LargeMessages.Content(LargeMessages.Of(txid, 3_000_000)));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "too_large");
        Assert.Contains("enable Volumes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var journalKeys = await fixture.Keyspace.RangeAsync(new RangeRequest(KeyRange.Prefix("/cairn/journal/")) { KeysOnly = true });
        Assert.DoesNotContain(journalKeys.Kvs, kv => kv.Key.Contains(txid, StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir, "journal-secondary")));
        var (code, _, _) = await JournalHttp.CompatStatusAsync(http, "/compat/journal", txid);
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task AMessageTheStoreTakes_IsKeptInline_AndRoundTrips()
    {
        var txid = JournalHttp.NewTxid("inline");
        var message = LargeMessages.Of(txid, 300_000);
        using var http = fixture.TcpHttp();

        await LargeMessages.PostAsync(http, "/compat/journal", txid, "commit", message);

        Assert.Equal(LargeMessages.SeedStatus(message), await LargeMessages.StatusBytesAsync(http, "/compat/journal", txid));
    }
}

/// <summary>What the large-message tests share: messages, posting, reading, and looking at the keyspace.</summary>
internal static class LargeMessages
{
    /// <summary>A compact JSON message of about <paramref name="size"/> bytes that does not compress (random base64).</summary>
    public static byte[] Of(string txid, int size)
    {
        var random = new byte[size * 3 / 4];
        new Random(size).NextBytes(random);
        return Encoding.UTF8.GetBytes($$"""{"request_id":"req-{{txid}}","payload":"{{Convert.ToBase64String(random)}}"}""");
    }

    public static ByteArrayContent Content(byte[] message)
    {
        var content = new ByteArrayContent(message);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>POSTs a step through the seed's API (as its Python client does: the whole body, no Expect) and asserts
    /// its answer: 201, empty.</summary>
    public static async Task PostAsync(HttpClient http, string prefix, string txid, string step, byte[] message)
    {
        using var response = await http.PostAsync($"{prefix}/{txid}/{step}", Content(message));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {txid}/{step}: {(int)response.StatusCode} {body}");
        Assert.Equal("", body);
    }

    public static async Task<byte[]> StatusBytesAsync(HttpClient http, string prefix, string txid)
    {
        using var response = await http.GetAsync($"{prefix}/status/{txid}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The seed's answer for a finished request: <c>{"status": MESSAGE}</c>.</summary>
    public static byte[] SeedStatus(byte[] message) => [.. "{\"status\": "u8, .. message, .. "}"u8];

    public static string PayloadOf(byte[] message) => JsonDocument.Parse(message).RootElement.GetProperty("payload").GetString()!;

    /// <summary>The metadata keys of the journal's blobs.</summary>
    public static async Task<HashSet<string>> BlobKeysAsync(IKeyspace keyspace) =>
        [.. (await keyspace.RangeAsync(new RangeRequest(KeyRange.Prefix("/cairn/blobs/meta/.cairn/journal/")) { KeysOnly = true })).Kvs.Select(kv => kv.Key)];

    /// <summary>No journal key of the request (nor any segment, pointer or pending record) holds more than
    /// <paramref name="threshold"/> bytes.</summary>
    public static async Task AssertJournalValuesAreSmallAsync(IKeyspace keyspace, string txid, int threshold)
    {
        var all = await keyspace.RangeAsync(new RangeRequest(KeyRange.Prefix("/cairn/journal/")));
        Assert.Contains(all.Kvs, kv => kv.Key.Contains(txid, StringComparison.Ordinal));
        Assert.All(all.Kvs, kv => Assert.True(kv.Value.Length <= threshold, $"{kv.Key} holds {kv.Value.Length} bytes."));
    }

    /// <summary>Runs a fold, export and retention pass; the files it wrote.</summary>
    public static async Task<List<string>> ExportAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/v1/admin/journal/export", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export: {(int)response.StatusCode} {body}");
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!)];
    }

    public static IEnumerable<string> CsvRows(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return [.. reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries)];
    }

    public static string[] VolumeFiles(string dataDir) =>
        Directory.GetFiles(Path.Combine(dataDir, "volumes"), "*.blob", SearchOption.AllDirectories);

    public static IEnumerable<string> ListedKeys(string list) =>
        [.. JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()!)];
}

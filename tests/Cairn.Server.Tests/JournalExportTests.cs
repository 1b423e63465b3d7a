using System.IO.Compression;
using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>A server that folds finished requests at once (fold age 0) and exports to its default directory.</summary>
public sealed class JournalExportFixture : ServerFixture
{
    public JournalExportFixture()
    {
        Settings["Journal:FoldAge"] = "00:00:00";
        // The test triggers passes itself; the background one must not race it to the files.
        Settings["Journal:ExportInterval"] = "1.00:00:00";
    }

    public string ExportDir => Path.Combine(DataDir, "journal-export");
}

/// <summary>
/// Export as a user sees it: finished requests leave the live journal for a numbered gzip CSV file in the export
/// directory, their status still answers (from history), in-progress requests stay, and nothing is exported twice.
/// </summary>
public sealed class JournalExportTests(JournalExportFixture fixture) : IClassFixture<JournalExportFixture>
{
    private const string Header = "transaction_id,request_id,step,host,resource,verb,pk,date,user_id,authuser_id,role,cm,payload";

    [Fact]
    public async Task Export_WritesFinishedRequestsOnce_AndTheirStatusStillAnswers()
    {
        using var http = fixture.TcpHttp();
        var done = JournalHttp.NewTxid("done");
        var open = JournalHttp.NewTxid("open");
        await JournalHttp.CompatAppendAsync(http, "/compat/journal", done, "begin", $$"""{"request_id":"{{done}}","host":"h1","user_id":"u1","verb":"get"}""");
        await JournalHttp.CompatAppendAsync(http, "/compat/journal", done, "commit", """{"result":"ok"}""");
        await JournalHttp.CompatAppendAsync(http, "/compat/journal", open, "begin", """{"user_id":"u2"}""");

        var first = await ExportAsync(http);
        var second = await ExportAsync(http);

        // The finished request is in exactly one file, once per step; the open one in none.
        var files = first.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.NotEmpty(files);
        Assert.Empty(second.GetProperty("files").EnumerateArray());
        var rows = Directory.GetFiles(fixture.ExportDir, "journal-*.csv.gz").OrderBy(f => f, StringComparer.Ordinal).SelectMany(ReadCsv).ToList();
        Assert.All(Directory.GetFiles(fixture.ExportDir, "journal-*.csv.gz").Select(ReadCsv), lines => Assert.Equal(Header, lines.FirstOrDefault(l => l.StartsWith("transaction_id", StringComparison.Ordinal))));
        var mine = rows.Where(r => r.Contains(done, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Contains(mine, r => r.Contains(",begin,h1,", StringComparison.Ordinal) && r.Contains(",u1,", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(open, StringComparison.Ordinal));

        // Status of the exported request answers from history, through both APIs.
        using var status = await http.GetAsync($"/compat/journal/status/{done}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("""{"result":"ok"}""", JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetRawText());
        var request = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{done}")).RootElement;
        Assert.Equal(JsonValueKind.Number, request.GetProperty("segment").ValueKind);
        using var openStatus = await http.GetAsync($"/compat/journal/status/{open}");
        Assert.Equal(HttpStatusCode.Accepted, openStatus.StatusCode);
    }

    private static async Task<JsonElement> ExportAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/v1/admin/journal/export", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<string> ReadCsv(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries)];
    }
}

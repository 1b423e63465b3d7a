using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Server.Tests;

public abstract partial class JournalInputTests
{
    // A message the seed's server stored as Python's json read it: NaN and the infinities where numbers go.
    private const string NamedNumbers = """{"payload": {"ratio": NaN, "range": [-Infinity, Infinity]}, "pk": NaN, "label": "NaN", "n": 1.5}""";

    private static string Nested(int depth) => new string('[', depth) + "1" + new string(']', depth);

    [Fact]
    public async Task MessagesNestedToPythonsLimit_AreStored_AndReadBackAsSent_BeforeAndAfterFolding()
    {
        var deepest = Nested(JournalMessages.MaxDepth);
        // (Compact: the native API writes a message's JSON without the spaces it was sent with.)
        var deepObject = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "null" + new string('}', 100);
        var txid = "deep-" + Unique();
        await CompatAppendAsync("journal-unix", txid, "begin", deepObject);
        await CompatAppendAsync("main-tcp", txid, "commit", deepest);

        Assert.Equal((200, "{\"status\": " + deepest + "}"), await CompatStatusAsync("journal-tcp", txid));
        using var client = Client();
        var request = await client.GetJournalRequestAsync(txid);
        Assert.Equal(deepObject, request!.Steps[0].Message!.Value.GetRawText());
        Assert.Equal(deepest, request.Steps[1].Message!.Value.GetRawText());

        await FoldAndExportAsync();
        Assert.Equal((200, "{\"status\": " + deepest + "}"), await CompatStatusAsync("main-unix", txid));
        request = await client.GetJournalRequestAsync(txid);
        Assert.Equal(["history", "history"], request!.Steps.Select(s => s.Source));
        Assert.Equal(deepest, request.Steps[1].Message!.Value.GetRawText());
    }

    [Fact]
    public async Task NaNAndInfinity_AreStoredAsSent_AndTheNativeApiShowsThemAsStrings()
    {
        var txid = "nan-" + Unique();
        await CompatAppendAsync("journal-unix", txid, "begin", NamedNumbers);
        await CompatAppendAsync("main-unix", txid, "commit", "[NaN, -Infinity]");

        // The seed's status answer: the message byte for byte.
        Assert.Equal((200, """{"status": [NaN, -Infinity]}"""), await CompatStatusAsync("journal-tcp", txid));

        // The native API embeds messages in JSON: the named numbers are strings there, and messageText is as sent.
        using var http = Server.TcpHttp();
        var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + txid)).RootElement;
        var begin = request.GetProperty("steps")[0];
        Assert.Equal("NaN", begin.GetProperty("message").GetProperty("payload").GetProperty("ratio").GetString());
        Assert.Equal(["-Infinity", "Infinity"], begin.GetProperty("message").GetProperty("payload").GetProperty("range").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(1.5, begin.GetProperty("message").GetProperty("n").GetDouble());
        Assert.Equal(NamedNumbers, begin.GetProperty("messageText").GetString());
        Assert.Equal("NaN", request.GetProperty("fields").GetProperty("pk").GetString());
        var status = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{txid}/status")).RootElement;
        Assert.Equal("""["NaN","-Infinity"]""", status.GetProperty("message").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("[NaN, -Infinity]", status.GetProperty("messageText").GetString());

        // A message without them has no messageText; the .NET client reads both forms.
        var plain = await JournalHttp.AppendAsync(http, "plain-" + Unique(), "begin", """{"n": 1}""");
        Assert.False(plain.TryGetProperty("messageText", out _));
        using var client = Client();
        var viaClient = await client.GetJournalRequestAsync(txid);
        Assert.Equal(NamedNumbers, viaClient!.Steps[0].MessageText);
        Assert.Equal("NaN", viaClient.Steps[0].Message!.Value.GetProperty("label").GetString());
        Assert.Equal("NaN", viaClient.Steps[0].Message!.Value.GetProperty("pk").GetString());
        var appended = await client.AppendJournalAsync("client-nan-" + Unique(), "begin", """{"x": Infinity}""");
        Assert.True(appended.Created);

        // Folded and exported: still as sent, from history; the payload in the CSV is the JSON text as sent.
        await FoldAndExportAsync();
        Assert.Equal((200, """{"status": [NaN, -Infinity]}"""), await CompatStatusAsync("main-tcp", txid));
        request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + txid)).RootElement;
        Assert.Equal(NamedNumbers, request.GetProperty("steps")[0].GetProperty("messageText").GetString());
        Assert.Equal("history", request.GetProperty("steps")[0].GetProperty("source").GetString());
        var row = Assert.Single(ExportedRows(), r => r.StartsWith(txid + "," + txid + ",begin,", StringComparison.Ordinal));
        Assert.Contains(",begin,,,,NaN,", row, StringComparison.Ordinal);
        Assert.EndsWith(",,,,,\"{\"\"ratio\"\": NaN, \"\"range\"\": [-Infinity, Infinity]}\"", row, StringComparison.Ordinal);
    }
}

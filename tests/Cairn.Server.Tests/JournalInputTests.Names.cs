using System.Net;
using System.Text;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Server.Tests;

public abstract partial class JournalInputTests
{
    // Txids the seed's server took and Cairn refused (400) while names were limited to 128 ASCII letters, digits and
    // "- _ . :"; each ends in a unique part.
    private static List<(string Case, string Txid)> UnusualTxids()
    {
        var id = Unique();
        var ascii4096 = new string('m', JournalNames.MaxTxidBytes - id.Length - 1) + "-" + id;
        var twoByteChars = (JournalNames.MaxTxidBytes - id.Length - 2) / 2;
        var unicode4096 = new string('é', twoByteChars) + new string('-', JournalNames.MaxTxidBytes - id.Length - (2 * twoByteChars)) + id;
        return
        [
            ("unicode", "café-" + id),
            ("at and plus", "user@host+1-" + id),
            ("spaces", "with a space " + id),
            ("percent, hash, query", "50% #1 ?x=y&z " + id),
            ("cjk and emoji", "日本語-😀-" + id),
            ("leading dot", ".dot-" + id),
            ("three dots", "..." + id),
            ("tilde and backslash", "a~b\\c-" + id),
            ("1000 characters", new string('x', 1000 - id.Length) + id),
            ("4096 bytes of ASCII", ascii4096),
            ("4096 bytes of UTF-8", unicode4096),
        ];
    }

    [Fact]
    public async Task UnusualTxidsAndSteps_RoundTrip_ThroughBothApis_TheClient_AndFoldAndExport()
    {
        var cases = UnusualTxids();
        var step = "authorisation ü@+ #2";
        var longStep = new string('s', 1500) + "é";
        using var http = Server.TcpHttp();
        foreach (var (name, txid) in cases)
        {
            // Written through the journal socket (as the seed's client does), the main listener's mount, and the
            // native API.
            await CompatAppendAsync("journal-unix", txid, "begin", """{"user_id": "u1"}""");
            await CompatAppendAsync("main-tcp", txid, step, """{"ok": true}""");
            await CompatAppendAsync("main-unix", txid, longStep, "1");
            using var native = await JournalHttp.PostAsync(http, $"/v1/journal/{Segment(txid)}/commit", """{"result": "done"}""");
            var appended = await native.Content.ReadAsStringAsync();
            Assert.True(native.StatusCode == HttpStatusCode.Created, $"{name}: native append {(int)native.StatusCode} {appended}");
            Assert.Equal(txid, JsonDocument.Parse(appended).RootElement.GetProperty("txid").GetString());
            Assert.Equal("/v1/journal/" + Uri.EscapeDataString(txid), native.Headers.Location?.OriginalString);

            Assert.Equal((200, """{"status": {"result": "done"}}"""), await CompatStatusAsync("journal-tcp", txid));
            var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + Segment(txid))).RootElement;
            Assert.Equal(txid, request.GetProperty("txid").GetString());
            Assert.Equal(["begin", step, longStep, "commit"], request.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()));
            var status = JsonDocument.Parse(await http.GetStringAsync($"/v1/journal/{Segment(txid)}/status")).RootElement;
            Assert.Equal("committed", status.GetProperty("state").GetString());
        }

        var listed = await ListedTxidsAsync(http);
        Assert.Equal(cases.Select(c => c.Txid).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));

        // The .NET client sends each name percent-encoded, and reads it back.
        using (var client = Client())
        {
            foreach (var (name, txid) in cases)
            {
                var request = await client.GetJournalRequestAsync(txid);
                Assert.True(request is not null, $"{name}: the client finds no request");
                Assert.Equal(txid, request.Txid);
                Assert.Equal("committed", (await client.GetJournalStatusAsync(txid))!.State);
                var again = await client.AppendJournalAsync(txid, step, "{}");
                Assert.False(again.Created);
                Assert.Equal(step, again.Step);
            }

            var viaClient = new List<string>();
            await foreach (var summary in client.ListAllJournalAsync(new JournalListQuery { Limit = 2 }))
            {
                viaClient.Add(summary.Txid);
            }

            Assert.Equal(listed, viaClient);
        }

        // Folded into history and exported: each request answers from history, and its rows name it.
        var files = await FoldAndExportAsync();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.Matches("^journal-[0-9]{12}\\.csv\\.gz$", Path.GetFileName(f)));
        var rows = ExportedRows();
        foreach (var (name, txid) in cases)
        {
            var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + Segment(txid))).RootElement;
            Assert.True(request.GetProperty("segment").ValueKind == JsonValueKind.Number, $"{name}: not folded");
            Assert.All(request.GetProperty("steps").EnumerateArray(), s => Assert.Equal("history", s.GetProperty("source").GetString()));
            Assert.Equal((200, """{"status": {"result": "done"}}"""), await CompatStatusAsync("main-unix", txid));
            var quoted = txid.Contains(',', StringComparison.Ordinal) ? "\"" + txid + "\"" : txid;
            Assert.Equal(4, rows.Count(r => r.StartsWith(quoted + "," + quoted + ",", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task UnusualTxids_SurviveTheSecondary_AsSafeFileNames()
    {
        var cases = UnusualTxids();
        var secondary = Server.SecondaryDir;
        await Server.Server.Store.DisposeAsync();

        foreach (var (name, txid) in cases)
        {
            await CompatAppendAsync("journal-unix", txid, "begin", $$"""{"case": {{JsonSerializer.Serialize(name)}}}""");
            await CompatAppendAsync("main-tcp", txid, "commit ✓ " + name, "2");
        }

        // One file per entry in the secondary, each a safe name: no separator, not hidden, at most 255 bytes; and no
        // entry anywhere else under the data directory.
        var files = Directory.GetFiles(secondary).Select(Path.GetFileName).ToList();
        Assert.Equal(2 * cases.Count, files.Count);
        Assert.All(files, f =>
        {
            Assert.InRange(Encoding.UTF8.GetByteCount(f!), 3, 255);
            Assert.False(f!.StartsWith('.'), f);
            Assert.Matches("^[A-Za-z0-9._:%~-]+#[A-Za-z0-9._:%~-]+$", f);
        });
        Assert.All(
            Directory.EnumerateFileSystemEntries(Server.DataDir, "*#*", SearchOption.AllDirectories),
            path => Assert.Equal(Path.GetFullPath(secondary), Path.GetDirectoryName(path)));

        // The store is down: the status answers from the secondary ("commit ✓ …" is not "commit": in progress).
        using var http = Server.TcpHttp();
        foreach (var (name, txid) in cases)
        {
            Assert.Equal((202, """{"status": "Task in progress"}"""), await CompatStatusAsync("journal-tcp", txid));
            var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + Segment(txid))).RootElement;
            Assert.Equal(txid, request.GetProperty("txid").GetString());
            Assert.Equal(["begin", "commit ✓ " + name], request.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()).Order(StringComparer.Ordinal));
            Assert.All(request.GetProperty("steps").EnumerateArray(), s => Assert.Equal("secondary", s.GetProperty("source").GetString()));
        }
    }

    [Fact]
    public async Task BadNames_Are400Problems_OnEveryMount_AndNothingIsWritten()
    {
        var over = new string('t', JournalNames.MaxTxidBytes + 1);
        var overUtf8 = new string('é', (JournalNames.MaxTxidBytes / 2) + 1);
        var targets = new (string Method, string Target, string Why)[]
        {
            ("POST", "/a/b/begin", "a slash"),
            ("POST", "/a%2Fb/begin", "an encoded slash"),
            ("POST", "/a%2fb/begin", "an encoded slash, lower case"),
            ("POST", "/t1/a%2Fb", "an encoded slash in the step"),
            ("POST", "/a%00b/begin", "NUL"),
            ("POST", "/a%01b/begin", "U+0001"),
            ("POST", "/a%0Ab/begin", "a line feed"),
            ("POST", "/a%1Fb/begin", "U+001F"),
            ("POST", "/a%7Fb/begin", "DEL"),
            ("POST", "/t1/a%09b", "a tab in the step"),
            ("POST", "/a%FFb/begin", "not UTF-8"),
            ("POST", "/caf%C3/begin", "half a UTF-8 character"),
            ("POST", "/%ED%A0%80/begin", "an encoded surrogate"),
            ("POST", "/a%2/begin", "a broken escape"),
            ("POST", "//begin", "an empty txid"),
            ("POST", "/t1/", "an empty step"),
            ("POST", "/./begin", "."),
            ("POST", "/../begin", ".."),
            ("POST", "/%2E%2E/begin", "an encoded .."),
            ("POST", "/t1/%2e", "an encoded . as the step"),
            ("POST", $"/{over}/begin", "a txid over 4096 bytes"),
            ("POST", $"/t1/{over}", "a step over 4096 bytes"),
            ("POST", $"/{Segment(overUtf8)}/begin", "a txid over 4096 bytes of UTF-8"),
            ("GET", "/status/a%2Fb", "an encoded slash"),
            ("GET", "/status/a%00", "NUL"),
            ("GET", "/status/%FF", "not UTF-8"),
            ("GET", "/status/..", ".."),
            ("GET", $"/status/{over}", "a txid over 4096 bytes"),
            ("HEAD", "/status/a%0D", "a carriage return"),
        };
        foreach (var where in Mounts)
        {
            foreach (var (method, target, why) in targets)
            {
                var (status, head, body) = await CompatRawAsync(where, method, target, method == "POST" ? "{}" : null);

                Assert.True(status == 400, $"{method} {where} {Shown(target)} ({why}): expected 400, got {status}: {body}");
                if (target.Contains("%00", StringComparison.Ordinal))
                {
                    // Kestrel refuses an encoded NUL in the path itself, before any application code: a bare 400.
                    continue;
                }

                Assert.True(Header(head, "Content-Type")?.StartsWith("application/problem+json", StringComparison.Ordinal) == true, $"{method} {where} {Shown(target)} ({why}): {head}");
                if (method != "HEAD")
                {
                    var problem = JsonDocument.Parse(body).RootElement;
                    Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
                    if (why.Contains("4096", StringComparison.Ordinal))
                    {
                        Assert.Contains("at most 4096", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                    }
                }
            }
        }

        // The native API and the client refuse the same names.
        using var http = Server.TcpHttp();
        foreach (var target in new[] { "/v1/journal/a%2Fb/begin", "/v1/journal/a%00b/begin", "/v1/journal/%FF/begin", "/v1/journal/t1/%2E%2E", $"/v1/journal/{over}/begin" })
        {
            var (status, _, body) = await RawAsync(Server.TcpEndpoint, "POST", target, "{}");
            Assert.True(status == 400, $"POST {Shown(target)}: expected 400, got {status}: {body}");
        }

        using var client = Client();
        foreach (var txid in new[] { "a/b", "a\0b", "a\nb", "..", ".", "", over, "\ud800x" })
        {
            await Assert.ThrowsAsync<Cairn.Core.InvalidArgumentException>(() => client.AppendJournalAsync(txid, "begin", "{}"));
        }

        await AssertNothingWrittenAsync("bad names");
    }
}

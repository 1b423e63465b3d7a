using System.Net;
using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Server.Tests;

public abstract partial class JournalInputTests
{
    [Fact]
    public async Task PlusJsonContentTypes_AreAcceptedAsJson_OnEveryMountAndTheNativeApi()
    {
        var types = new[] { "application/vnd.api+json", "application/merge-patch+json; charset=utf-8", "Application/Problem+JSON", "application/json; charset=utf-8" };
        foreach (var where in Mounts)
        {
            foreach (var type in types)
            {
                var txid = $"ct-{where}-{Unique()}";
                await CompatAppendAsync(where, txid, "commit", """{"type": "ok"}""", type);
                Assert.Equal((200, """{"status": {"type": "ok"}}"""), await CompatStatusAsync(where, txid));
            }
        }

        using var http = Server.UnixHttp();
        foreach (var type in types)
        {
            await JournalHttp.AppendAsync(http, $"ct-native-{Unique()}", "begin", "{}"); // plain application/json
            using var response = await JournalHttp.PostAsync(http, $"/v1/journal/ct-native-{Unique()}/begin", "{}", type);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{type}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task OtherContentTypes_AndBodiesThatAreNotJson_AreStillRefused_AndNothingIsWritten()
    {
        foreach (var where in Mounts)
        {
            foreach (var type in new[] { "text/plain", "text/json", "application/jsonx", "application/x-www-form-urlencoded", "application/json+xml", "multipart/form-data; boundary=x" })
            {
                var (status, _, body) = await CompatRawAsync(where, "POST", "/t1/begin", "{}", type);
                Assert.True(status == 400, $"{where} {type}: expected 400, got {status}: {body}");
                Assert.Equal("invalid_argument", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
            }

            var bodies = new[]
            {
                "", "not json", "{", "{'a': 1}", "[1, 2", "{} {}", "-NaN", "nan", "NaN1", "[NaN,]", "{NaN: 1}", "Infinityx", "[1 NaN]",
                "\"NaN", Nested(JournalMessages.MaxDepth + 1),
            };
            foreach (var message in bodies)
            {
                var (status, _, body) = await CompatRawAsync(where, "POST", "/t1/begin", message);
                Assert.True(status == 400, $"{where} {Shown(message)}: expected 400, got {status}: {body}");
                var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString();
                if (message.Length > JournalMessages.MaxDepth)
                {
                    Assert.Contains("at most 1000 levels", detail, StringComparison.Ordinal);
                }
            }
        }

        using var http = Server.TcpHttp();
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t1/begin", "{}", "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t1/begin", "-NaN"), HttpStatusCode.BadRequest, "invalid_argument");
        await AssertNothingWrittenAsync("bad bodies");
    }
}

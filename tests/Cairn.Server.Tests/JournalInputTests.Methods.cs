using System.Text.Json;

namespace Cairn.Server.Tests;

public abstract partial class JournalInputTests
{
    [Fact]
    public async Task HeadStatus_AnswersAsGetDoes_WithoutABody_OnEveryMount()
    {
        foreach (var where in Mounts)
        {
            var txid = $"head {where} é-{Unique()}";
            var path = "/status/" + Segment(txid);
            foreach (var (step, message, expected) in new[] { ((string?)null, "", 404), ("begin", "{}", 202), ("commit", """{"done": [1, "ü"]}""", 200) })
            {
                if (step is not null)
                {
                    await CompatAppendAsync(where, txid, step, message);
                }

                var get = await CompatRawAsync(where, "GET", path);
                var head = await CompatRawAsync(where, "HEAD", path);

                Assert.Equal(expected, get.Status);
                Assert.True(head.Status == expected, $"HEAD {where} after {step ?? "nothing"}: {head.Status} {head.Body}");
                Assert.Equal("", head.Body);
                Assert.Equal("application/json", Header(get.Head, "Content-Type"));
                Assert.Equal(Header(get.Head, "Content-Type"), Header(head.Head, "Content-Type"));
                var length = Header(get.Head, "Content-Length");
                Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(get.Body).ToString(System.Globalization.CultureInfo.InvariantCulture), length);
                Assert.Equal(length, Header(head.Head, "Content-Length"));
                Assert.Null(Header(head.Head, "Transfer-Encoding"));
            }
        }
    }

    [Fact]
    public async Task OtherMethodsOnAStepPath_Are405_WithAllowPost_AndWriteNothing()
    {
        foreach (var where in Mounts)
        {
            foreach (var method in new[] { "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS" })
            {
                foreach (var target in new[] { "/t1/begin", "/" + Segment("café @+ 1") + "/commit" })
                {
                    var (status, head, body) = await CompatRawAsync(where, method, target, method is "PUT" or "PATCH" ? "{}" : null);

                    Assert.True(status == 405, $"{method} {where} {target}: expected 405, got {status}: {body}");
                    Assert.Equal("POST", Header(head, "Allow"));
                    Assert.StartsWith("application/problem+json", Header(head, "Content-Type"), StringComparison.Ordinal);
                    if (method != "HEAD")
                    {
                        Assert.Equal("method_not_allowed", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
                    }
                }

                // A status path takes GET and HEAD (its status) and POST (request "status", step <txid>, as the seed's
                // routes had it).
                if (method is not ("GET" or "HEAD"))
                {
                    var (status, head, body) = await CompatRawAsync(where, method, "/status/t1", method is "PUT" or "PATCH" ? "{}" : null);
                    Assert.True(status == 405, $"{method} {where} /status/t1: expected 405, got {status}: {body}");
                    Assert.Equal("GET, HEAD, POST", Header(head, "Allow"));
                }
            }
        }

        await AssertNothingWrittenAsync("other methods");
    }
}

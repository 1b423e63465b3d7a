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
}

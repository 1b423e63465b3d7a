using System.Net;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// Bad journal requests get a clear 4xx problem and write nothing: after each one the journal lists no request and the
/// secondary holds no file. (This class never writes a good entry, so "nothing" is exact.)
/// </summary>
public sealed class JournalBadInputTests(JournalServerFixture fixture) : IClassFixture<JournalServerFixture>, IAsyncLifetime
{
    public static TheoryData<string> Mounts => new() { "journal-unix", "journal-tcp", "main-tcp", "main-unix" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        using var http = fixture.TcpHttp();
        Assert.Empty(await JournalHttp.AllTxidsAsync(http));
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.SecondaryDir));
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync("/v1/kv?prefix=/cairn/journal/&countOnly=true")).RootElement.GetProperty("count").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task NotJson_ContentType_Is400(string where)
    {
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;

        await Problems.AssertAsync(await JournalHttp.PostAsync(http, $"{prefix}/t1/begin", "{}", "text/plain"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, $"{prefix}/t1/begin", "{}", "application/x-www-form-urlencoded"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, $"{prefix}/t1/begin", "{}", "application/jsonx"), HttpStatusCode.BadRequest, "invalid_argument");
        var bare = new ByteArrayContent("{}"u8.ToArray());
        await Problems.AssertAsync(await http.PostAsync($"{prefix}/t1/begin", bare), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task BadJson_Is400(string where)
    {
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;

        foreach (var body in new[] { "", "{", "{\"a\": 1} trailing", "not json", "{'single': 1}", "[1, 2" })
        {
            await Problems.AssertAsync(await JournalHttp.PostAsync(http, $"{prefix}/t2/begin", body), HttpStatusCode.BadRequest, "invalid_argument");
        }

        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t2/begin", "{"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task BadNames_Are400(string where)
    {
        var (address, prefix) = fixture.CompatRaw(where);
        var paths = new[]
        {
            $"{prefix}//begin",                          // empty txid
            $"{prefix}/t3/",                             // empty step
            $"{prefix}/{new string('t', 4097)}/begin",   // txid over 4096 bytes
            $"{prefix}/t3/{new string('s', 4097)}",      // step over 4096 bytes
            $"{prefix}/../begin",                        // ..
            $"{prefix}/t3/..",
            $"{prefix}/%2E%2E/begin",
            $"{prefix}/./begin",
            $"{prefix}/a%2Fb/begin",                     // encoded slash
            $"{prefix}/a%2fb/begin",
            $"{prefix}/a/b/begin",                       // a slash
            $"{prefix}/a%01b/begin",                     // a control character
            $"{prefix}/a%7Fb/begin",                     // DEL
            $"{prefix}/a%FFb/begin",                     // not UTF-8
            $"{prefix}/a%2/begin",                       // broken escape
            $"{prefix}/t3",                              // no step
        };
        foreach (var path in paths)
        {
            var head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n";

            var (status, _, body) = await RawHttp.SendAsync(address, head, "{}"u8.ToArray());

            Assert.True(status == 400, $"POST {path}: expected 400, got {status}: {body}");
            Assert.Equal("invalid_argument", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        }

        foreach (var path in new[] { $"{prefix}/status/..", $"{prefix}/status/a%2Fb", $"{prefix}/status/a/b", $"{prefix}/status/" })
        {
            var (status, _, body) = await RawHttp.SendAsync(address, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Assert.True(status == 400, $"GET {path}: expected 400, got {status}: {body}");
        }
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task MessageOver16MiB_Is413(string where)
    {
        // As curl sends a large body: Expect: 100-continue, so the 413 comes before the 17 MiB are uploaded.
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;
        var big = "\"" + new string('x', 17 * 1024 * 1024) + "\"";
        var request = new HttpRequestMessage(HttpMethod.Post, $"{prefix}/t4/begin") { Content = JournalHttp.Json(big) };
        request.Headers.ExpectContinue = true;

        var problem = await Problems.AssertAsync(await http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "too_large");

        Assert.Equal(16 * 1024 * 1024, problem.GetProperty("limit").GetInt64());
        Assert.Equal(17L * 1024 * 1024 + 2, problem.GetProperty("actual").GetInt64());

        // As Python's requests sends it: the whole body, then the answer is read. The server drains the body first,
        // so the client reads the 413 instead of a reset connection.
        var (plain, plainPrefix) = fixture.Compat(where);
        using (plain)
        {
            var whole = await Problems.AssertAsync(await JournalHttp.PostAsync(plain, $"{plainPrefix}/t4/begin", big), HttpStatusCode.RequestEntityTooLarge, "too_large");
            Assert.Equal(17L * 1024 * 1024 + 2, whole.GetProperty("actual").GetInt64());
        }

        // With Expect: 100-continue the answer comes from the Content-Length alone: no 100, and no byte of the body sent.
        var (address, rawPrefix) = fixture.CompatRaw(where);
        var head = $"POST {rawPrefix}/t4/begin HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {17 * 1024 * 1024}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
        var (status, _, body) = await RawHttp.SendAsync(address, head);
        Assert.Equal(413, status);
        Assert.Equal("too_large", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task MessageOver16MiB_OnTheNativeApi_Is413()
    {
        using var http = fixture.UnixHttp();
        var big = "\"" + new string('x', 17 * 1024 * 1024) + "\"";

        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t4/begin", big), HttpStatusCode.RequestEntityTooLarge, "too_large");
    }

    [Fact]
    public async Task MessageJustOverTheLimit_Is413_AndWithoutContentLengthToo()
    {
        using var http = fixture.TcpHttp();
        var justOver = "\"" + new string('x', (16 * 1024 * 1024) - 1) + "\"";
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/compat/journal/t5/begin", justOver), HttpStatusCode.RequestEntityTooLarge, "too_large");
        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t5/begin", justOver), HttpStatusCode.RequestEntityTooLarge, "too_large");

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(justOver)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/compat/journal/t5/begin") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await Problems.AssertAsync(await http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "too_large");
    }

    [Fact]
    public async Task NativeAppend_WithoutJsonContentType_Is415()
    {
        using var http = fixture.TcpHttp();

        await Problems.AssertAsync(await JournalHttp.PostAsync(http, "/v1/journal/t6/begin", "{}", "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Problems.AssertAsync(await http.PostAsync("/v1/journal/t6/begin", new ByteArrayContent("{}"u8.ToArray())), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task NativeAppend_BadNames_Are400()
    {
        foreach (var path in new[] { "/v1/journal/a%2Fb/begin", "/v1/journal/../begin", "/v1/journal/t7/%2E%2E", $"/v1/journal/{new string('t', 4097)}/begin", "/v1/journal/t7/a%00b" })
        {
            var head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n";
            var (status, _, body) = await RawHttp.SendAsync(fixture.TcpEndpoint, head, "{}"u8.ToArray());
            Assert.True(status == 400, $"POST {path}: expected 400, got {status}: {body}");
        }
    }

    [Fact]
    public async Task BadQueries_Are400()
    {
        using var http = fixture.TcpHttp();
        foreach (var query in new[] { "state=done", "from=yesterday", "to=13/06/2017", "limit=0", "limit=1001", "limit=x", "stuck=soon", "stuck=-5s", "after=..", "after=a%2Fb" })
        {
            await Problems.AssertAsync(await http.GetAsync("/v1/journal?" + query), HttpStatusCode.BadRequest, "invalid_argument");
        }

        await Problems.AssertAsync(await http.GetAsync("/v1/journal/t8/events?fromRevision=-1"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/journal/a%2Fb"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/journal/a%2Fb/status"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task OtherMethods_Are405()
    {
        using var journal = ServerFixture.UnixHttpClient(fixture.JournalSocketPath);
        await Problems.AssertAsync(await journal.PutAsync("/t9/begin", JournalHttp.Json("{}")), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Problems.AssertAsync(await journal.DeleteAsync("/t9/begin"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");

        using var main = fixture.TcpHttp();
        await Problems.AssertAsync(await main.PutAsync("/compat/journal/t9/begin", JournalHttp.Json("{}")), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }
}

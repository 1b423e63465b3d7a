using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cairn.Carts.Archives;
using Cairn.Testing.Archive;

namespace Cairn.Carts.Tests.Parts;

/// <summary>
/// <see cref="PacificaArchive"/> against <see cref="PacificaArchiveServer"/>, a reimplementation of the Pacifica archive
/// interface's protocol (the real one is a Python service that cannot be installed here: no PyPI access).
/// </summary>
public sealed class PacificaArchiveTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Modified = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_560);
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private PacificaArchiveServer _server = null!;
    private PacificaArchive _archive = null!;

    public async Task InitializeAsync()
    {
        _server = await PacificaArchiveServer.StartAsync();
        _archive = new PacificaArchive(_http, _server.BaseUrl, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static byte[] Content(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAsync(Stream stream)
    {
        await using (stream)
        {
            var output = new MemoryStream();
            await stream.CopyToAsync(output);
            return output.ToArray();
        }
    }

    [Fact]
    public async Task TheServer_AnswersAsTheArchiveInterfaceDoes()
    {
        Assert.EndsWith("/", _server.BaseUrl.AbsoluteUri);
        using var root = await _http.GetAsync(_server.BaseUrl);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("Pacifica Archive Interface Up and Running", JsonDocument.Parse(await root.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());

        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(_server.BaseUrl, "1234")) { Content = new ByteArrayContent("hello"u8.ToArray()) };
        put.Content.Headers.LastModified = DateTimeOffset.FromUnixTimeSeconds(784111777);
        using var putResponse = await _http.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, putResponse.StatusCode);
        var added = JsonDocument.Parse(await putResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("File added to archive", added.GetProperty("message").GetString());
        Assert.Equal(5, added.GetProperty("total_bytes").GetInt32());

        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(_server.BaseUrl, "1234")));
        Assert.Equal(HttpStatusCode.NoContent, head.StatusCode);
        string Get(string name) => head.Headers.NonValidated.TryGetValues(name, out var v) || head.Content.Headers.NonValidated.TryGetValues(name, out v) ? v.ToString() : "(none)";
        Assert.Equal("File was found", Get("X-Pacifica-Messsage"));
        Assert.Equal("5", Get("X-Content-Length"));
        Assert.Equal("784111777.0", Get("Last-Modified"));
        Assert.Equal("(5,)", Get("X-Pacifica-Bytes-Per-Level"));
        Assert.Equal("disk", Get("X-Pacifica-File-Storage-Media"));
        Assert.EndsWith("1234", Get("X-Pacifica-File"));

        using var stage = await _http.PostAsync(new Uri(_server.BaseUrl, "1234"), null);
        Assert.Equal(HttpStatusCode.OK, stage.StatusCode);
        Assert.Equal("File was staged", JsonDocument.Parse(await stage.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());

        Assert.Equal("ell"u8.ToArray(), await _http.GetByteArrayAsync(new Uri(_server.BaseUrl, "1234?byte_range=1-4")));
        Assert.Equal("hello"u8.ToArray(), await _http.GetByteArrayAsync(new Uri(_server.BaseUrl, "1234")));

        using var missingHead = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(_server.BaseUrl, "nope")));
        Assert.Equal(HttpStatusCode.NotFound, missingHead.StatusCode);
        Assert.Equal("File Not found", string.Join(',', missingHead.Headers.NonValidated["X-Pacifica-Messsage"]));

        using var missingStage = await _http.PostAsync(new Uri(_server.BaseUrl, "nope"), null);
        Assert.Equal(HttpStatusCode.InternalServerError, missingStage.StatusCode);
        var error = JsonDocument.Parse(await missingStage.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("500 Internal Server Error", error.GetProperty("status").GetString());
        Assert.Contains("No such file or directory", error.GetProperty("traceback").GetString());

        using var delete = await _http.DeleteAsync(new Uri(_server.BaseUrl, "1234"));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.False(_server.Contains("1234"));
        using var deleteAgain = await _http.DeleteAsync(new Uri(_server.BaseUrl, "1234"));
        Assert.Equal(HttpStatusCode.InternalServerError, deleteAgain.StatusCode);
    }

    [Fact]
    public async Task StageAndStatus_ReadTheHeaders_IncludingTheFloatLastModified()
    {
        _server.Put("38", "Writing content for first file"u8.ToArray(), Modified);
        await _archive.StageAsync("38", default);
        var status = await _archive.StatusAsync("38", default);
        Assert.Equal(30, status.Size);
        Assert.Equal(Modified, status.Modified);
        Assert.True(status.OnDisk);
        Assert.Equal("disk", status.Media);
        Assert.Equal(1, _server.StageCalls("38"));
        Assert.Equal(1, _server.StatusCalls("38"));
        Assert.Equal("pacifica", _archive.Name);
        Assert.True(_archive.SupportsRange);
    }

    [Fact]
    public async Task AFileOnTape_IsReportedOnTapeUntilStagedAndPolled_AndCannotBeReadMeanwhile()
    {
        _server.Put("t", Content(100), Modified);
        _server.SetTape("t", 3);
        Assert.False((await _archive.StatusAsync("t", default)).OnDisk);
        var read = await Assert.ThrowsAsync<CartArchiveException>(() => _archive.OpenReadAsync("t", 0, 100, default));
        Assert.Equal(ArchiveFailure.Transient, read.Failure);

        await _archive.StageAsync("t", default);
        for (var i = 0; i < 3; i++)
        {
            var polled = await _archive.StatusAsync("t", default);
            Assert.Equal("tape", polled.Media);
            Assert.False(polled.OnDisk);
        }

        Assert.True((await _archive.StatusAsync("t", default)).OnDisk);
        Assert.Equal(Content(100), await ReadAsync(await _archive.OpenReadAsync("t", 0, 100, default)));
        Assert.Equal(5, _server.StatusCalls("t"));
    }

    [Fact]
    public async Task AMissingFile_IsNotFound_ForStageStatusAndRead()
    {
        // The archive answers a stage of a missing file with CherryPy's 500 whose traceback says "No such file".
        var stage = await Assert.ThrowsAsync<CartArchiveException>(() => _archive.StageAsync("gone", default));
        Assert.Equal(ArchiveFailure.NotFound, stage.Failure);
        Assert.Contains("No such file or directory", stage.Message);
        Assert.Equal(ArchiveFailure.NotFound, (await Assert.ThrowsAsync<CartArchiveException>(() => _archive.StatusAsync("gone", default))).Failure);
        Assert.Equal(ArchiveFailure.NotFound, (await Assert.ThrowsAsync<CartArchiveException>(() => _archive.OpenReadAsync("gone", 0, 1, default))).Failure);
    }

    [Fact]
    public async Task AStatus500WithoutHeaders_IsTransient_UntilItPasses()
    {
        // Transient: the pipeline retries it (Attempts, with backoff) and then fails the file with this message.
        _server.Put("f", Content(10), Modified);
        _server.FailStatus("f", 2);
        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<CartArchiveException>(() => _archive.StatusAsync("f", default));
            Assert.Equal(ArchiveFailure.Transient, error.Failure);
            Assert.Contains("500", error.Message);
        }

        Assert.Equal(10, (await _archive.StatusAsync("f", default)).Size);
    }

    [Fact]
    public async Task AByteRange_ReadsExactlyThoseBytes_AndACutTransferResumesFromWhereItStopped()
    {
        var content = Content(300_000);
        _server.Put("r", content, Modified);

        Assert.Equal(content[5..15], await ReadAsync(await _archive.OpenReadAsync("r", 5, 10, default)));
        Assert.Equal(10, _server.BytesServed("r"));

        _server.FailGet("r", 1, 100_000);
        var received = new MemoryStream();
        await using (var cut = await _archive.OpenReadAsync("r", 0, content.Length, default))
        {
            await Assert.ThrowsAnyAsync<IOException>(() => cut.CopyToAsync(received));
        }

        Assert.InRange(received.Length, 1, 100_000);
        var rest = await ReadAsync(await _archive.OpenReadAsync("r", received.Length, content.Length - received.Length, default));
        Assert.Equal(content, received.ToArray().Concat(rest).ToArray());
        Assert.Equal(3, _server.GetCalls("r"));
    }

    [Fact]
    public async Task ABodyShorterThanAskedFor_FailsTheReadWithIOException()
    {
        _server.Put("short", Content(100), Modified);
        await using var stream = await _archive.OpenReadAsync("short", 0, 200, default);
        var error = await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(new MemoryStream()));
        Assert.Contains("ended after 100 of 200 bytes", error.Message);
    }

    [Theory]
    [InlineData("a b/c?d")]
    [InlineData("é#%2F&x=1")]
    [InlineData("/abs/olute")]
    [InlineData("..x")]
    public async Task Ids_AreUrlEncodedAsOneSegment(string id)
    {
        _server.Put(id, Content(64, 7), Modified);
        await _archive.StageAsync(id, default);
        Assert.Equal(64, (await _archive.StatusAsync(id, default)).Size);
        Assert.Equal(Content(64, 7), await ReadAsync(await _archive.OpenReadAsync(id, 0, 64, default)));
        Assert.Equal(1, _server.StageCalls(id));
        Assert.Equal(1, _server.GetCalls(id));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a\r\nX-Injected: 1")]
    public async Task IdsThatCannotBeAPathSegment_AreRefusedWithoutARequest(string id)
    {
        var error = await Assert.ThrowsAsync<CartArchiveException>(() => _archive.StatusAsync(id, default));
        Assert.Equal(ArchiveFailure.Failed, error.Failure);
        Assert.Equal(0, _server.StatusCalls(id));
    }

    [Fact]
    public async Task AThrottledTransfer_TakesItsTime()
    {
        _server.Put("slow", Content(100_000), Modified);
        _server.Throttle(200_000);
        var watch = Stopwatch.StartNew();
        Assert.Equal(Content(100_000), await ReadAsync(await _archive.OpenReadAsync("slow", 0, 100_000, default)));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ALargeFileOnDisk_StreamsFromThere()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "big");
        await using (var f = new FileStream(path, FileMode.CreateNew))
        {
            f.SetLength(64L << 20);
            f.Position = (64L << 20) - 4;
            f.Write("end!"u8);
        }

        _server.Put("big", path, Modified);
        Assert.Equal(64L << 20, (await _archive.StatusAsync("big", default)).Size);
        await using var stream = await _archive.OpenReadAsync("big", (64L << 20) - 1000, 1000, default);
        var tail = await ReadAsync(stream);
        Assert.Equal("end!"u8.ToArray(), tail[^4..]);
    }

    public static TheoryData<string, string?, string> BadHeaders => new()
    {
        { "X-Content-Length", null, "no X-Content-Length header" },
        { "X-Content-Length", "File Not Found", "unreadable X-Content-Length header 'File Not Found'" },
        { "X-Content-Length", "-3", "unreadable X-Content-Length" },
        { "Last-Modified", null, "no Last-Modified header" },
        { "Last-Modified", "yesterday", "unreadable Last-Modified header 'yesterday'" },
        { "Last-Modified", "1e300", "unreadable Last-Modified" },
        { "X-Pacifica-File-Storage-Media", null, "no X-Pacifica-File-Storage-Media header" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task AStatusWithoutItsHeaders_OrWithUnreadableOnes_FailsNamingTheHeader(string header, string? value, string expected)
    {
        var headers = new Dictionary<string, string?>
        {
            ["X-Pacifica-Messsage"] = "File was found",
            ["X-Content-Length"] = "30",
            ["Last-Modified"] = "1700000000.5",
            ["X-Pacifica-File-Storage-Media"] = "disk",
        };
        headers[header] = value;
        using var http = new HttpClient(new Stub((_, _) => Task.FromResult(Answer(HttpStatusCode.NoContent, headers))));
        var archive = new PacificaArchive(http, new Uri("http://archive.invalid/base"), TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<CartArchiveException>(() => archive.StatusAsync("1", default));
        Assert.Equal(ArchiveFailure.Failed, error.Failure);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task ASizePastALong_TheSeeds10To22Bytes_IsTheLargestSizeThereIs()
    {
        using var http = new HttpClient(new Stub((_, _) => Task.FromResult(Answer(HttpStatusCode.NoContent, new()
        {
            ["X-Content-Length"] = "10000000000000000000000",
            ["Last-Modified"] = "1700000000.5",
            ["X-Pacifica-File-Storage-Media"] = "disk",
        }))));
        var archive = new PacificaArchive(http, new Uri("http://archive.invalid/"), TimeSpan.FromSeconds(30));
        Assert.Equal(long.MaxValue, (await archive.StatusAsync("huge", default)).Size);
    }

    [Fact]
    public async Task AnHttpDateLastModified_IsAcceptedToo_AndTheBaseUrlGetsItsSlash()
    {
        Uri? asked = null;
        using var http = new HttpClient(new Stub((request, _) =>
        {
            asked = request.RequestUri;
            return Task.FromResult(Answer(HttpStatusCode.NoContent, new()
            {
                ["X-Content-Length"] = "7",
                ["Last-Modified"] = "Sun, 06 Nov 1994 08:49:37 GMT",
                ["X-Pacifica-File-Storage-Media"] = "Disk",
            }));
        }));
        var archive = new PacificaArchive(http, new Uri("http://archive.invalid/base"), TimeSpan.FromSeconds(30));
        var status = await archive.StatusAsync("a b", default);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(784111777), status.Modified);
        Assert.True(status.OnDisk);
        Assert.Equal("http://archive.invalid/base/a%20b", asked!.AbsoluteUri);
    }

    [Fact]
    public async Task AnArchiveThatDoesNotAnswer_TimesOutAsTransient_AndTheCallersTokenCancels()
    {
        using var http = new HttpClient(new Stub(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        }));
        var archive = new PacificaArchive(http, new Uri("http://archive.invalid/"), TimeSpan.FromMilliseconds(200));
        var error = await Assert.ThrowsAsync<CartArchiveException>(() => archive.StageAsync("1", default));
        Assert.Equal(ArchiveFailure.Transient, error.Failure);
        Assert.Contains("did not answer", error.Message);

        var slow = new PacificaArchive(http, new Uri("http://archive.invalid/"), TimeSpan.FromMinutes(5));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.StatusAsync("1", cancel.Token));
    }

    [Fact]
    public async Task AnArchiveThatIsDown_IsTransient()
    {
        var url = _server.BaseUrl;
        await _server.DisposeAsync();
        var error = await Assert.ThrowsAsync<CartArchiveException>(() => new PacificaArchive(_http, url, TimeSpan.FromSeconds(30)).StatusAsync("1", default));
        Assert.Equal(ArchiveFailure.Transient, error.Failure);
        _server = await PacificaArchiveServer.StartAsync();
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, Dictionary<string, string?> headers)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent([]) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            if (value is not null && !response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    private sealed class Stub(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            answer(request, cancellationToken);
    }
}

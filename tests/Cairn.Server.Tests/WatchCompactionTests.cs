using System.Net;

namespace Cairn.Server.Tests;

/// <summary>Watches that start below the compaction point; a server of their own, because they compact its history.</summary>
public sealed class WatchCompactionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    [Fact]
    public async Task SseWatch_FromACompactedRevision_Returns410Problem_BeforeTheStream()
    {
        var first = await Http.PutAsync(_http, "compact/sse", "1");
        var compactAt = await Http.PutAsync(_http, "compact/sse", "2");
        await Http.CompactAsync(_http, compactAt);

        using var response = await SseStream.SendAsync(_http, $"/v1/watch?key=compact/sse&fromRevision={first}");

        var problem = await Problems.AssertAsync(response, HttpStatusCode.Gone, "compacted").WaitAsync(SseStream.Timeout);
        Assert.Equal(compactAt, problem.GetProperty("compactRevision").GetInt64());
        Assert.Equal(first, problem.GetProperty("requestedRevision").GetInt64());
    }

    [Fact]
    public async Task SseWatch_ResumedWithALastEventIdBelowTheCompaction_Returns410Problem()
    {
        var first = await Http.PutAsync(_http, "compact/sse-resume", "1");
        var compactAt = await Http.PutAsync(_http, "compact/sse-resume", "2");
        await Http.CompactAsync(_http, compactAt);

        using var response = await SseStream.SendAsync(_http, "/v1/watch?key=compact/sse-resume", lastEventId: (first - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.Gone, "compacted").WaitAsync(SseStream.Timeout);
        Assert.True(problem.GetProperty("compactRevision").GetInt64() >= compactAt);
    }

    [Fact]
    public async Task SocketWatch_FromACompactedRevision_IsCanceledWithTheCompactRevision()
    {
        var first = await Http.PutAsync(_http, "compact/ws", "1");
        var compactAt = await Http.PutAsync(_http, "compact/ws", "2");
        await Http.CompactAsync(_http, compactAt);
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);

        var answer = await socket.CreateAsync(new { watchId = 9, key = "compact/ws", fromRevision = first });

        var canceled = answer.GetProperty("canceled");
        Assert.Equal(9, canceled.GetProperty("watchId").GetInt64());
        Assert.Equal("compacted", canceled.GetProperty("code").GetString());
        Assert.True(canceled.GetProperty("compactRevision").GetInt64() >= compactAt);

        // The socket still works.
        var created = await socket.CreateAsync(new { watchId = 10, key = "compact/ws" });
        Assert.Equal(10, created.GetProperty("created").GetProperty("watchId").GetInt64());
    }
}

using System.Text;
using Cairn.Client.Tests.Security;

namespace Cairn.Client.Tests;

/// <summary>
/// The client speaks HTTP/2 (h2c on TCP and on the Unix socket), so that concurrent requests share one connection, as
/// etcd's and ZooKeeper's clients do; turned off, it speaks HTTP/1.1 as before.
/// </summary>
public sealed class Http2ConnectionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task SixtyFourConcurrentRequests_GoOverOneConnection(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));

        var values = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var key = $"h2/{transport}/{i}";
            await client.PutAsync(key, $"v{i}");
            return (await client.GetAsync(key))?.Value.ToArray();
        }));

        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"v{i}"), values.Select(v => Encoding.UTF8.GetString(v!)));
        Assert.Equal(1, await ServerConnections.CountAsync(fixture, transport));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task AWatch_AndRequestsBesideIt_ShareOneConnection(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = $"h2w/{transport}/k";
        var put = await client.PutAsync(key, "seen");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // From the put's revision: the event is delivered however late the watch starts.
        await using var events = client.WatchAsync(key, fromRevision: put.Revision, cancellationToken: deadline.Token).GetAsyncEnumerator(deadline.Token);
        Assert.True(await events.MoveNextAsync());
        var beside = await client.GetAsync(key, cancellationToken: deadline.Token); // while the event stream stays open

        Assert.Equal("seen", Encoding.UTF8.GetString(events.Current.Kv.Value.Span));
        Assert.Equal("seen", Encoding.UTF8.GetString(beside!.Value.Span));
        Assert.Equal(1, await ServerConnections.CountAsync(fixture, transport));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task WithHttp2Off_TheClientStillWorks_OverHttp11(string transport)
    {
        using var client = new CairnClient(new CairnClientOptions { Endpoint = fixture.Endpoint(transport), UseHttp2 = false });

        await client.PutAsync($"h1/{transport}/k", "v");

        Assert.Equal("v", Encoding.UTF8.GetString((await client.GetAsync($"h1/{transport}/k"))!.Value.Span));
    }

    [Fact]
    public async Task AServerThatSpeaksOnlyHttp11_IsAnErrorThatSaysHowToTurnHttp2Off_AndWithItOffTheClientWorks()
    {
        await using var http1Only = await FakeAuthServer.StartAsync(http2: false);
        using var h2c = new CairnClient(http1Only.Endpoint);
        using var http1 = new CairnClient(new CairnClientOptions { Endpoint = http1Only.Endpoint, UseHttp2 = false, Token = "cairnapi_h1" });
        http1Only.Accept("cairnapi_h1", FakeAuthServer.User);

        var error = await Assert.ThrowsAsync<Core.UnavailableException>(() => h2c.AuthStatusAsync());

        Assert.Contains("UseHttp2 = false", error.Message, StringComparison.Ordinal);
        Assert.Contains("--http1", error.Message, StringComparison.Ordinal);
        Assert.Equal(FakeAuthServer.User, (await http1.AuthStatusAsync()).User);
    }
}

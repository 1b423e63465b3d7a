using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>What happens when the server cannot be reached or the endpoint is wrong.</summary>
public sealed class ConnectionTests
{
    [Fact]
    public async Task AnyCall_ToADeadTcpEndpoint_ThrowsTransientUnavailable()
    {
        using var client = new CairnClient(DeadEndpoints.Tcp());

        var error = await Assert.ThrowsAsync<UnavailableException>(async () => await client.StatusAsync());
        var get = await Assert.ThrowsAsync<UnavailableException>(() => client.GetAsync("k"));

        Assert.True(error.IsTransient);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.True(get.IsTransient);
    }

    [Fact]
    public async Task AnyCall_ToAMissingUnixSocket_ThrowsTransientUnavailable()
    {
        var endpoint = DeadEndpoints.Unix();
        using var client = new CairnClient(endpoint);

        var error = await Assert.ThrowsAsync<UnavailableException>(async () => await client.PutAsync(new PutRequest("k", new byte[] { 1 })));

        Assert.True(error.IsTransient);
        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ftp://host/")]
    [InlineData("127.0.0.1:7070")]
    [InlineData("unix:")]
    [InlineData("http://host:7070/?q=1")]
    public void Constructor_RejectsAnEndpointItCannotUse(string endpoint)
    {
        var error = Assert.Throws<ArgumentException>(() => new CairnClient(endpoint));

        Assert.Contains("unix:/path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7070", "http://127.0.0.1:7070")]
    [InlineData("unix:/tmp/c.sock", "unix:/tmp/c.sock")]
    [InlineData("unix:///tmp/c.sock", "unix:/tmp/c.sock")]
    public void Endpoint_IsNormalized(string given, string expected)
    {
        using var client = new CairnClient(given);

        Assert.Equal(expected, client.Endpoint);
    }

    [Fact]
    public void ToException_OfANonProblemServiceUnavailable_IsUnavailable()
    {
        var error = CairnClient.ToException(System.Net.HttpStatusCode.ServiceUnavailable, "<html>busy</html>"u8.ToArray());

        Assert.IsType<UnavailableException>(error);
    }
}

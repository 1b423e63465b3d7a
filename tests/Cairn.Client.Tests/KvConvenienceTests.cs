using System.Text;
using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>The resource-shaped methods: raw values by key, conditions, listings.</summary>
public sealed class KvConvenienceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Unique(string transport) => $"kv-{transport}-{Guid.NewGuid():N}/";

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task PutAndGet_RoundTripBinaryValues(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "bin";
        byte[] value = [0, 1, 2, 0xFF, 0xFE, (byte)'\n'];

        var put = await client.PutAsync(key, value);
        var kv = await client.GetAsync(key);

        Assert.True(put.Created);
        Assert.NotNull(kv);
        Assert.Equal(value, kv.Value.ToArray());
        Assert.Equal(put.Revision, kv.ModRevision);
        Assert.Equal(1, kv.Version);
    }

    [Theory]
    [InlineData("a b/ü/%41/?#&=+")]
    [InlineData("dots/../x")]
    [InlineData("dots/./y")]
    [InlineData("/leading//double")]
    [InlineData("日本/語")]
    public async Task Keys_WithCharactersThatNeedEncoding_RoundTrip(string name)
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + name;

        await client.PutAsync(key, "value of " + name);
        var text = await client.GetStringAsync(key);
        var viaTxn = await client.RangeAsync(new RangeRequest(KeyRange.Single(key)));

        Assert.Equal("value of " + name, text);
        Assert.Equal(key, Assert.Single(viaTxn.Kvs).Key);
    }

    [Fact]
    public async Task Get_ReturnsNull_WhenTheKeyDoesNotExist()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);

        Assert.Null(await client.GetAsync(Unique("unix") + "missing"));
        Assert.Null(await client.GetStringAsync(Unique("unix") + "missing"));
    }

    [Fact]
    public async Task Get_AtAPastRevision_ReturnsTheOldValue()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "past";
        var first = await client.PutAsync(key, "v1");
        await client.PutAsync(key, "v2");

        Assert.Equal("v1", await client.GetStringAsync(key, first.Revision));
        Assert.Equal("v2", await client.GetStringAsync(key));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Put_WithAStaleModRevision_ThrowsPreconditionFailedWithTheCurrentOne(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "cas";
        var first = await client.PutAsync(key, "1");
        var second = await client.PutAsync(key, "2", new PutOptions { IfModRevision = first.Revision, PrevKv = true });

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(() => client.PutAsync(key, "3", new PutOptions { IfModRevision = first.Revision }));

        Assert.False(second.Created);
        Assert.Equal("1", Encoding.UTF8.GetString(second.PrevKv!.Value!));
        Assert.Equal(key, error.Key);
        Assert.Equal(second.Revision, error.ActualModRevision);
        Assert.Equal("2", await client.GetStringAsync(key));
    }

    [Fact]
    public async Task Put_IfAbsent_CreatesOnceThenThrowsPreconditionFailed()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "once";

        var created = await client.PutAsync(key, "first", new PutOptions { IfAbsent = true });
        await Assert.ThrowsAsync<PreconditionFailedException>(() => client.PutAsync(key, "second", new PutOptions { IfAbsent = true }));

        Assert.True(created.Created);
        Assert.Equal("first", await client.GetStringAsync(key));
    }

    [Fact]
    public async Task Put_IfExists_ThrowsPreconditionFailedWithModRevisionZero_WhenTheKeyIsMissing()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "absent";

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(() => client.PutAsync(key, "x", new PutOptions { IfExists = true }));

        Assert.Equal(0, error.ActualModRevision);
        Assert.Null(await client.GetAsync(key));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Put_OfAValueOverOneMebibyte_ThrowsLimitExceeded(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "big";

        var raw = await Assert.ThrowsAsync<LimitExceededException>(() => client.PutAsync(key, new byte[(1024 * 1024) + 1]));
        var viaTxn = await Assert.ThrowsAsync<LimitExceededException>(async () => await client.PutAsync(new PutRequest(key, new byte[(1024 * 1024) + 1])));

        Assert.Equal(1024 * 1024, raw.Limit);
        Assert.Equal((1024 * 1024) + 1, raw.Actual);
        Assert.Equal(1024 * 1024, viaTxn.Limit);
        Assert.Null(await client.GetAsync(key));
    }

    [Fact]
    public async Task Get_WithANegativeRevision_ThrowsInvalidArgument()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.GetAsync("some/key", revision: -1));
    }

    [Fact]
    public async Task DeleteKey_RemovesTheKey_AndThrowsNoSuchKeyTheSecondTime()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var key = Unique("unix") + "gone";
        var put = await client.PutAsync(key, "v");

        await Assert.ThrowsAsync<PreconditionFailedException>(() => client.DeleteKeyAsync(key, ifModRevision: put.Revision + 1000));
        var deleted = await client.DeleteKeyAsync(key, ifModRevision: put.Revision);
        var error = await Assert.ThrowsAsync<NoSuchKeyException>(() => client.DeleteKeyAsync(key));

        Assert.Equal(1, deleted.Deleted);
        Assert.Equal(key, error.Key);
        Assert.Null(await client.GetAsync(key));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task List_FollowsPagesThroughNext_AtOneRevision(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var prefix = Unique(transport);
        for (var i = 0; i < 5; i++)
        {
            await client.PutAsync(prefix + i, "v" + i);
        }

        var first = await client.ListAsync(prefix, limit: 2);
        await client.PutAsync(prefix + "9", "late");
        var keys = first.Kvs.Select(k => k.Key).ToList();
        var next = first.Next;
        while (next is not null)
        {
            var page = await client.ListAsync(prefix, limit: 2, after: next, revision: first.Revision);
            keys.AddRange(page.Kvs.Select(k => k.Key));
            next = page.Next;
        }

        Assert.Equal(5, first.Count);
        Assert.True(first.More);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => prefix + i), keys);
    }

    [Fact]
    public async Task List_KeysOnly_LeavesValuesOut()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var prefix = Unique("tcp");
        await client.PutAsync(prefix + "k", "value");

        var page = await client.ListAsync(prefix, keysOnly: true);

        var kv = Assert.Single(page.Kvs);
        Assert.Equal(prefix + "k", kv.Key);
        Assert.True(kv.Value is null || kv.Value.Length == 0);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task DeletePrefix_DeletesEveryKeyUnderIt()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var prefix = Unique("tcp");
        await client.PutAsync(prefix + "a", "1");
        await client.PutAsync(prefix + "b/c", "2");

        var deleted = await client.DeletePrefixAsync(prefix);

        Assert.Equal(2, deleted.Deleted);
        Assert.Empty((await client.ListAsync(prefix)).Kvs);
    }
}

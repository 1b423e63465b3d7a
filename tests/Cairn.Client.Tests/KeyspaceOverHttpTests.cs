using System.Text;
using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>The <see cref="IKeyspace"/> members of the client give what the in-process store gives.</summary>
public sealed class KeyspaceOverHttpTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Unique(string transport) => $"ks-{transport}-{Guid.NewGuid():N}/";

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Put_ThenRange_ReturnsTheValueAndRevisions(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "a";

        var first = await client.PutAsync(new PutRequest(key, Bytes("one")));
        var second = await client.PutAsync(new PutRequest(key, Bytes("two")) { PrevKv = true });
        var read = await client.RangeAsync(new RangeRequest(KeyRange.Single(key)));

        Assert.Null(first.PrevKv);
        Assert.Equal(first.Revision + 1, second.Revision);
        Assert.Equal("one", Encoding.UTF8.GetString(second.PrevKv!.Value.Span));
        var kv = Assert.Single(read.Kvs);
        Assert.Equal("two", Encoding.UTF8.GetString(kv.Value.Span));
        Assert.Equal(first.Revision, kv.CreateRevision);
        Assert.Equal(second.Revision, kv.ModRevision);
        Assert.Equal(2, kv.Version);
        Assert.True(read.Revision >= second.Revision);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Range_OfAPrefixWithLimit_ReportsMoreAndTheTotalCount(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var prefix = Unique(transport);
        foreach (var name in new[] { "c", "a", "b" })
        {
            await client.PutAsync(new PutRequest(prefix + name, Bytes(name)));
        }

        var page = await client.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)) { Limit = 2, KeysOnly = true });

        Assert.Equal([prefix + "a", prefix + "b"], page.Kvs.Select(k => k.Key));
        Assert.True(page.More);
        Assert.Equal(3, page.Count);
        Assert.All(page.Kvs, k => Assert.True(k.Value.IsEmpty));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Delete_OfAPrefix_DeletesEveryKeyInOneRevision(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var prefix = Unique(transport);
        await client.PutAsync(new PutRequest(prefix + "x", Bytes("1")));
        var last = await client.PutAsync(new PutRequest(prefix + "y", Bytes("2")));

        var deleted = await client.DeleteAsync(new DeleteRequest(KeyRange.Prefix(prefix)) { PrevKvs = true });
        var nothing = await client.DeleteAsync(new DeleteRequest(KeyRange.Prefix(prefix)));

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(last.Revision + 1, deleted.Revision);
        Assert.Equal([prefix + "x", prefix + "y"], deleted.PrevKvs.Select(k => k.Key));
        Assert.Equal(0, nothing.Deleted);
        Assert.Equal(deleted.Revision, nothing.Revision);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Txn_RunsTheFailureBranch_WhenACompareDoesNotHold(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "counter";
        var put = await client.PutAsync(new PutRequest(key, Bytes("7")));

        var stale = await client.TxnAsync(new TxnRequest(
            [Compare.ModRevision(key, CompareResult.Equal, put.Revision - 1)],
            [new PutRequest(key, Bytes("8"))],
            [new RangeRequest(KeyRange.Single(key))]));
        var fresh = await client.TxnAsync(new TxnRequest(
            [Compare.ModRevision(key, CompareResult.Equal, put.Revision), Compare.ValueOf(key, CompareResult.Equal, Bytes("7"))],
            [new PutRequest(key, Bytes("8")), new RangeRequest(KeyRange.Single(key))],
            []));

        Assert.False(stale.Succeeded);
        Assert.Equal("7", Encoding.UTF8.GetString(Assert.IsType<RangeResult>(Assert.Single(stale.Results)).Kvs[0].Value.Span));
        Assert.True(fresh.Succeeded);
        Assert.Equal(put.Revision + 1, fresh.Revision);
        Assert.Equal(fresh.Revision, Assert.IsType<PutResult>(fresh.Results[0]).Revision);
        Assert.Equal("8", Encoding.UTF8.GetString(Assert.IsType<RangeResult>(fresh.Results[1]).Kvs[0].Value.Span));
    }

    [Fact]
    public async Task Txn_ThatPutsAKeyTwice_ThrowsInvalidArgument()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "twice";

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await client.TxnAsync(new TxnRequest([], [new PutRequest(key, Bytes("1")), new PutRequest(key, Bytes("2"))], [])));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Range_AboveTheCurrentRevision_ThrowsFutureRevision(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var status = await client.StatusAsync();

        var error = await Assert.ThrowsAsync<FutureRevisionException>(async () =>
            await client.RangeAsync(new RangeRequest(KeyRange.All) { Revision = status.Revision + 1000 }));

        Assert.Equal(status.Revision + 1000, error.RequestedRevision);
        Assert.True(error.CurrentRevision >= status.Revision);
    }

    [Fact]
    public async Task Range_BelowTheCompactionPoint_ThrowsCompactedWithTheCompactRevision()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var key = Unique("unix") + "history";
        var old = await client.PutAsync(new PutRequest(key, Bytes("old")));
        var current = await client.PutAsync(new PutRequest(key, Bytes("new")));

        var compacted = await client.CompactAsync(current.Revision);
        var error = await Assert.ThrowsAsync<CompactedException>(async () =>
            await client.RangeAsync(new RangeRequest(KeyRange.Single(key)) { Revision = old.Revision }));
        var again = await Assert.ThrowsAsync<CompactedException>(async () => await client.CompactAsync(old.Revision));

        Assert.Equal(current.Revision, compacted.CompactRevision);
        Assert.Equal(old.Revision, error.RequestedRevision);
        Assert.True(error.CompactRevision >= current.Revision);
        Assert.True(again.CompactRevision >= current.Revision);
    }

    [Fact]
    public async Task Compact_OfAFutureRevision_ThrowsFutureRevision()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var status = await client.StatusAsync();

        await Assert.ThrowsAsync<FutureRevisionException>(async () => await client.CompactAsync(status.Revision + 1000));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Status_ReportsTheRevisionOfTheLastWrite(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var put = await client.PutAsync(new PutRequest(Unique(transport) + "s", Bytes("v")));

        var status = await client.StatusAsync();
        var server = await client.ServerStatusAsync();

        Assert.True(status.Revision >= put.Revision);
        Assert.Equal("sqlite", status.Backend);
        Assert.True(status.KeyCount >= 1);
        Assert.False(string.IsNullOrEmpty(server.Version));
        Assert.True(await client.HealthAsync());
    }
}

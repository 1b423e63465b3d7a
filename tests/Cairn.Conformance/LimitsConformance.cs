using Cairn.Core;
using Cairn.Storage;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>
/// The keyspace limits, as the server enforces them around any backend (<see cref="LimitedKeyspace"/>): the same request
/// is refused with the same error on every backend, whatever the backend itself would allow, and nothing is written.
/// </summary>
public abstract class LimitsConformance(Backend backend) : KeyspaceConformance(backend)
{
    private static readonly KeyspaceLimits Small = new() { MaxKeyBytes = 64, MaxValueBytes = 1024, MaxTxnOps = 8 };

    // The decorator holds nothing of its own; the base class disposes the store behind it.
    private IKeyspace Limited => new LimitedKeyspace(Store, Small);

    private static string Key(int bytes) => "k/" + new string('x', bytes - 2);

    [Fact]
    public async Task WritesAtTheLimits_AreAccepted()
    {
        await Limited.PutAsync(new PutRequest(Key(64), new byte[1024]));
        var ops = Enumerable.Range(0, 8).Select(i => (KvRequest)Put("ops/" + i, "v")).ToList();
        var txn = await Limited.TxnAsync(new TxnRequest([], ops, []));

        Assert.True(txn.Succeeded);
        Assert.Equal(StartRevision + 2, await RevisionAsync());
    }

    [Fact]
    public async Task AKeyOverTheLimit_IsRefusedAsKeyTooLarge_OnEveryOperation()
    {
        var key = Key(65);

        await AssertRefusedAsync(ErrorCodes.KeyTooLarge, () => Limited.PutAsync(new PutRequest(key, Bytes("v"))).AsTask());
        await AssertRefusedAsync(ErrorCodes.KeyTooLarge, () => Limited.RangeAsync(new RangeRequest(KeyRange.Single(key))).AsTask());
        await AssertRefusedAsync(ErrorCodes.KeyTooLarge, () => Limited.DeleteAsync(new DeleteRequest(KeyRange.Prefix(key))).AsTask());
        await AssertRefusedAsync(ErrorCodes.KeyTooLarge, () => Limited.TxnAsync(new TxnRequest([Compare.Version(key, CompareResult.Equal, 0)], [], [])).AsTask());
        await AssertRefusedAsync(ErrorCodes.KeyTooLarge, async () =>
        {
            await foreach (var _ in Limited.WatchAsync(new WatchRequest(KeyRange.Single(key))))
            {
            }
        });
        Assert.Equal(StartRevision, await RevisionAsync());
    }

    [Fact]
    public async Task AValueOverTheLimit_IsRefusedAsTooLarge_AloneAndInATxn()
    {
        await AssertRefusedAsync(ErrorCodes.TooLarge, () => Limited.PutAsync(new PutRequest("big", new byte[1025])).AsTask());
        await AssertRefusedAsync(ErrorCodes.TooLarge, () => Limited.TxnAsync(new TxnRequest([], [Put("small", "v"), new PutRequest("big", new byte[1025])], [])).AsTask());

        Assert.Null(await GetAsync("small"));
        Assert.Equal(StartRevision, await RevisionAsync());
    }

    [Fact]
    public async Task ATxnOverTheOpLimit_IsRefusedAsTooManyOps_InEitherBranch()
    {
        var nine = Enumerable.Range(0, 9).Select(i => (KvRequest)Put("ops/" + i, "v")).ToList();

        await AssertRefusedAsync(ErrorCodes.TooManyOps, () => Limited.TxnAsync(new TxnRequest([], nine, [])).AsTask());
        await AssertRefusedAsync(ErrorCodes.TooManyOps, () => Limited.TxnAsync(new TxnRequest([], [], nine)).AsTask());

        Assert.Equal(StartRevision, await RevisionAsync());
    }

    private static async Task AssertRefusedAsync(string code, Func<Task> operation)
    {
        var error = await Assert.ThrowsAsync<LimitExceededException>(operation);
        Assert.Equal(code, error.Code);
    }
}

using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Txn compares: every target with every result operator, missing keys, and the all-must-hold rule.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class TxnCompareConformance(Backend backend) : KeyspaceConformance(backend)
{
    /// <summary>Numeric targets × operators × (operand = actual + delta).</summary>
    public static TheoryData<CompareTarget, CompareResult, long, bool> NumericCases()
    {
        var data = new TheoryData<CompareTarget, CompareResult, long, bool>();
        foreach (var target in new[] { CompareTarget.Version, CompareTarget.CreateRevision, CompareTarget.ModRevision, CompareTarget.Lease })
        {
            foreach (var delta in new long[] { -1, 0, 1 })
            {
                // The operand is actual + delta, so the key's property relates to it as -delta does to 0.
                data.Add(target, CompareResult.Equal, delta, delta == 0);
                data.Add(target, CompareResult.NotEqual, delta, delta != 0);
                data.Add(target, CompareResult.Greater, delta, delta < 0);
                data.Add(target, CompareResult.Less, delta, delta > 0);
            }
        }

        return data;
    }

    /// <summary>Value operands against the stored value "m".</summary>
    public static TheoryData<CompareResult, string, bool> ValueCases() => new()
    {
        { CompareResult.Equal, "m", true },
        { CompareResult.Equal, "n", false },
        { CompareResult.Equal, "", false },
        { CompareResult.NotEqual, "m", false },
        { CompareResult.NotEqual, "mm", true },
        { CompareResult.Greater, "l", true },
        { CompareResult.Greater, "m", false },
        { CompareResult.Greater, "mm", false },
        { CompareResult.Greater, "", true },
        { CompareResult.Less, "n", true },
        { CompareResult.Less, "mm", true },
        { CompareResult.Less, "m", false },
        { CompareResult.Less, "l", false },
    };

    [Theory]
    [MemberData(nameof(NumericCases), MemberType = typeof(TxnCompareConformance))]
    public async Task Txn_NumericCompare_HoldsExactlyWhenTheRelationHolds(CompareTarget target, CompareResult result, long delta, bool expected)
    {
        // Give the key distinct version (2), create revision and mod revision so a compare on the wrong property shows.
        await PutAsync("k", "1");
        await PutAsync("filler", "x");
        await PutAsync("k", "2");
        var kv = (await GetAsync("k"))!;
        var actual = target switch
        {
            CompareTarget.Version => kv.Version,
            CompareTarget.CreateRevision => kv.CreateRevision,
            CompareTarget.ModRevision => kv.ModRevision,
            _ => kv.Lease,
        };

        var txn = await TxnAsync([new Compare("k", target, result, actual + delta, default)], [Get("k")], []);

        Assert.Equal(expected, txn.Succeeded);
    }

    [Theory]
    [MemberData(nameof(ValueCases), MemberType = typeof(TxnCompareConformance))]
    public async Task Txn_ValueCompare_OrdersValuesByBytes(CompareResult result, string operand, bool expected)
    {
        await PutAsync("k", "m");

        var txn = await TxnAsync([Compare.ValueOf("k", result, Bytes(operand))], [Get("k")]);

        Assert.Equal(expected, txn.Succeeded);
    }

    [Fact]
    public async Task Txn_ValueCompare_ComparesBytesUnsigned()
    {
        await Store.PutAsync(new PutRequest("k", new byte[] { 0x80 }));

        var greater = await TxnAsync([Compare.ValueOf("k", CompareResult.Greater, new byte[] { 0x7F })], []);
        var less = await TxnAsync([Compare.ValueOf("k", CompareResult.Less, new byte[] { 0xFF })], []);

        Assert.True(greater.Succeeded);
        Assert.True(less.Succeeded);
    }

    [Theory]
    [InlineData(CompareResult.Equal)]
    [InlineData(CompareResult.NotEqual)]
    [InlineData(CompareResult.Greater)]
    [InlineData(CompareResult.Less)]
    public async Task Txn_ValueCompare_IsFalse_WhenTheKeyIsMissing(CompareResult result)
    {
        await PutAsync("other", "x");

        var txn = await TxnAsync([Compare.ValueOf("missing", result, Bytes("x"))], [Get("other")], []);

        Assert.False(txn.Succeeded);
    }

    [Theory]
    [InlineData(CompareTarget.Version, CompareResult.Equal, 0, true)]
    [InlineData(CompareTarget.Version, CompareResult.Greater, 0, false)]
    [InlineData(CompareTarget.Version, CompareResult.Less, 1, true)]
    [InlineData(CompareTarget.CreateRevision, CompareResult.Equal, 0, true)]
    [InlineData(CompareTarget.CreateRevision, CompareResult.NotEqual, 0, false)]
    [InlineData(CompareTarget.ModRevision, CompareResult.Equal, 0, true)]
    [InlineData(CompareTarget.ModRevision, CompareResult.Less, 1, true)]
    [InlineData(CompareTarget.ModRevision, CompareResult.Greater, -1, true)]
    [InlineData(CompareTarget.Lease, CompareResult.Equal, 0, true)]
    [InlineData(CompareTarget.Lease, CompareResult.NotEqual, 0, false)]
    public async Task Txn_NumericCompare_TreatsAMissingKeyAsZero(CompareTarget target, CompareResult result, long operand, bool expected)
    {
        await PutAsync("other", "x");

        var txn = await TxnAsync([new Compare("missing", target, result, operand, default)], [Get("other")], []);

        Assert.Equal(expected, txn.Succeeded);
    }

    [Fact]
    public async Task Txn_NumericCompare_TreatsADeletedKeyAsMissing()
    {
        await PutAsync("k", "x");
        await DeleteAsync(KeyRange.Single("k"));

        var txn = await TxnAsync([Compare.Version("k", CompareResult.Equal, 0), Compare.CreateRevision("k", CompareResult.Equal, 0)], []);

        Assert.True(txn.Succeeded);
    }

    [Fact]
    public async Task Txn_FailsTheCompares_WhenAnyOneDoesNotHold()
    {
        await PutAsync("a", "1");
        await PutAsync("b", "2");

        var txn = await TxnAsync(
            [Compare.ValueOf("a", CompareResult.Equal, Bytes("1")), Compare.ValueOf("b", CompareResult.Equal, Bytes("wrong")), Compare.Version("a", CompareResult.Equal, 1)],
            [Put("result", "success")],
            [Put("result", "failure")]);

        Assert.False(txn.Succeeded);
        Assert.Equal("failure", Text((await GetAsync("result"))!.Value));
    }

    [Fact]
    public async Task Txn_RunsTheSuccessBranch_WhenThereAreNoCompares()
    {
        var txn = await TxnAsync([], [Put("a", "1")], [Put("a", "2")]);

        Assert.True(txn.Succeeded);
        Assert.Equal("1", Text((await GetAsync("a"))!.Value));
    }

    [Fact]
    public async Task Txn_ComparesSeeTheStateBeforeTheTxn_NotItsOwnWrites()
    {
        await PutAsync("a", "1");

        // The compare holds on the old value; the success branch then changes it. A second identical txn must fail.
        var first = await TxnAsync([Compare.ValueOf("a", CompareResult.Equal, Bytes("1"))], [Put("a", "2")]);
        var second = await TxnAsync([Compare.ValueOf("a", CompareResult.Equal, Bytes("1"))], [Put("a", "3")]);

        Assert.True(first.Succeeded);
        Assert.False(second.Succeeded);
        Assert.Equal("2", Text((await GetAsync("a"))!.Value));
    }

    [Fact]
    public async Task Txn_CreateIfAbsent_SucceedsOnce_ThenRunsTheFailureBranch()
    {
        Compare[] absent = [Compare.CreateRevision("lock", CompareResult.Equal, 0)];

        var first = await TxnAsync(absent, [Put("lock", "owner-1")], [Get("lock")]);
        var second = await TxnAsync(absent, [Put("lock", "owner-2")], [Get("lock")]);

        Assert.True(first.Succeeded);
        Assert.False(second.Succeeded);
        var read = Assert.IsType<RangeResult>(Assert.Single(second.Results));
        Assert.Equal("owner-1", Text(Assert.Single(read.Kvs).Value));
    }
}

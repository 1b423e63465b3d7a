using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Keys a store must refuse (empty, NUL, lone surrogates), and that a refused request writes nothing.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class KeyValidationConformance(Backend backend) : KeyspaceConformance(backend)
{
    // Theory data travels by name: lone surrogates would not survive the runner's UTF-8 serialization of strings.
    private static readonly Dictionary<string, string> InvalidKeys = new()
    {
        ["empty"] = "",
        ["nul-inside"] = "a\0b",
        ["nul-only"] = "\0",
        ["lone-high-surrogate"] = "lone-high-\uD800",
        ["lone-low-surrogate"] = "lone-low-\uDC00-x",
        ["reversed-pair"] = "\uDE00\uD83D",
    };

    public static TheoryData<string> BadKeys => new(InvalidKeys.Keys);

    [Theory]
    [MemberData(nameof(BadKeys), MemberType = typeof(KeyValidationConformance))]
    public async Task Put_ThrowsInvalidArgument_AndWritesNothing_WhenKeyIsInvalid(string name)
    {
        var key = InvalidKeys[name];
        await PutAsync("ok", "x");
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => PutAsync(key, "v"));

        Assert.Equal(before, await RevisionAsync());
        Assert.Equal(["ok"], await KeysAsync(KeyRange.All));
    }

    [Theory]
    [MemberData(nameof(BadKeys), MemberType = typeof(KeyValidationConformance))]
    public async Task Txn_ThrowsInvalidArgument_AndWritesNothing_WhenAPutKeyIsInvalid(string name)
    {
        var key = InvalidKeys[name];
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => TxnAsync([], [Put("fine", "x"), Put(key, "v")]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("fine"));
    }

    [Theory]
    [MemberData(nameof(BadKeys), MemberType = typeof(KeyValidationConformance))]
    public async Task Txn_ThrowsInvalidArgument_WhenACompareKeyIsInvalid(string name)
    {
        var key = InvalidKeys[name];
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(
            () => TxnAsync([new Compare(key, CompareTarget.Version, CompareResult.Equal, 0, default)], [Put("fine", "x")]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("fine"));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("/leading/slash/")]
    [InlineData("tab\tand\nnewline")]
    [InlineData("\u00A0nbsp")]
    [InlineData("\uFFFF")]
    [InlineData("\U0010FFFF")]
    [InlineData("\u007F")]
    [InlineData("\u0001")]
    public async Task Put_AcceptsAndRoundTrips_AnyKeyOfValidText(string key)
    {
        await PutAsync(key, "v");

        var kv = await GetAsync(key);

        Assert.NotNull(kv);
        Assert.Equal(key, kv.Key);
        Assert.Equal([key], await KeysAsync(KeyRange.Prefix(key)));
    }

    [Fact]
    public async Task Put_TreatsKeysAsCaseAndNormalizationSensitive()
    {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are different byte strings, hence different keys.
        await PutAsync("K", "upper");
        await PutAsync("k", "lower");
        await PutAsync("\u00E9", "nfc");
        await PutAsync("e\u0301", "nfd");

        Assert.Equal(4, (await RangeAsync(KeyRange.All)).Count);
        Assert.Equal("nfc", Text((await GetAsync("\u00E9"))!.Value));
        Assert.Equal("nfd", Text((await GetAsync("e\u0301"))!.Value));
    }
}

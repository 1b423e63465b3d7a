using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Reads at the latest revision: key order, the four range shapes and their edges, limit, keys-only, count-only.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class RangeConformance(Backend backend) : KeyspaceConformance(backend)
{
    private async Task PutAllAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            await PutAsync(key, "v:" + key);
        }
    }

    [Fact]
    public async Task Range_ReturnsKeysInUtf8ByteOrder_IncludingNonAscii()
    {
        // UTF-16 order would put the emoji (a surrogate pair, 0xD83D…) before U+FF61; UTF-8 order puts it after (F0 > EF).
        await PutAllAsync("😀", "z", "é", "\uFF61", "a", "Z", "~", "e");

        var keys = await KeysAsync(KeyRange.All);

        Assert.Equal(["Z", "a", "e", "z", "~", "é", "\uFF61", "😀"], keys);
    }

    [Fact]
    public async Task Range_ReturnsKeysAndValuesRoundTripped_WhenKeysAreNonAscii()
    {
        await PutAsync("ключ/é/😀", "значение");

        var kv = await GetAsync("ключ/é/😀");

        Assert.NotNull(kv);
        Assert.Equal("ключ/é/😀", kv.Key);
        Assert.Equal("значение", Text(kv.Value));
    }

    [Fact]
    public async Task Range_Single_ReturnsOnlyThatKey_NotKeysItPrefixes()
    {
        await PutAllAsync("a", "ab", "a/b", "b");

        var result = await RangeAsync(KeyRange.Single("a"));

        var kv = Assert.Single(result.Kvs);
        Assert.Equal("a", kv.Key);
        Assert.Equal("v:a", Text(kv.Value));
        Assert.Equal(1, result.Count);
        Assert.False(result.More);
    }

    [Fact]
    public async Task Range_Single_ReturnsNothing_WhenKeyIsMissing()
    {
        await PutAllAsync("a");

        var result = await RangeAsync(KeyRange.Single("missing"));

        Assert.Empty(result.Kvs);
        Assert.Equal(0, result.Count);
        Assert.False(result.More);
    }

    [Fact]
    public async Task Range_Prefix_ReturnsExactlyTheKeysStartingWithIt()
    {
        // "app0" sorts right after every "app/…" key ('0' is '/' + 1) and "apo/z" right before; neither is inside.
        await PutAllAsync("app/1", "app/2", "app/2/x", "app", "app0", "apo/z", "b");

        var keys = await KeysAsync(KeyRange.Prefix("app/"));

        Assert.Equal(["app/1", "app/2", "app/2/x"], keys);
    }

    [Fact]
    public async Task Range_Prefix_IncludesTheKeyEqualToThePrefix()
    {
        await PutAllAsync("app", "app/1", "ap");

        var keys = await KeysAsync(KeyRange.Prefix("app"));

        Assert.Equal(["app", "app/1"], keys);
    }

    [Fact]
    public async Task Range_EmptyPrefix_ReturnsEveryKey()
    {
        await PutAllAsync("b", "a", "é", "/x");

        Assert.Equal(["/x", "a", "b", "é"], await KeysAsync(KeyRange.Prefix("")));
        Assert.Equal(["/x", "a", "b", "é"], await KeysAsync(KeyRange.All));
    }

    [Fact]
    public async Task Range_Prefix_WithTwoByteLastChar_ExcludesTheNextChar()
    {
        // é = C3 A9; ê = C3 AA is the first string past the prefix; "cafe" and "caf" sort before it.
        await PutAllAsync("café", "café/x", "café😀", "cafê", "cafe", "caf", "cafëz");

        var keys = await KeysAsync(KeyRange.Prefix("café"));

        Assert.Equal(["café", "café/x", "café😀"], keys);
    }

    [Fact]
    public async Task Range_Prefix_WithLastCharEndingInByteBF_ExcludesTheNextChar()
    {
        // ÿ = C3 BF; its successor Ā = C4 80 carries into the lead byte.
        await PutAllAsync("xÿ", "xÿa", "xĀ", "xþ", "y");

        var keys = await KeysAsync(KeyRange.Prefix("xÿ"));

        Assert.Equal(["xÿ", "xÿa"], keys);
    }

    [Fact]
    public async Task Range_Prefix_WithEmojiLastChar_ExcludesTheNextCodePoint()
    {
        // 😀 = F0 9F 98 80; 😁 = F0 9F 98 81 is the first string past the prefix, 🗿 (F0 9F 97 BF) sorts before it.
        await PutAllAsync("😀", "😀/a", "😀😀", "😁", "🗿", "\uFFFF");

        var keys = await KeysAsync(KeyRange.Prefix("😀"));

        Assert.Equal(["😀", "😀/a", "😀😀"], keys);
    }

    [Fact]
    public async Task Range_Between_IncludesStart_AndExcludesEnd()
    {
        await PutAllAsync("a", "b", "b/1", "c", "d");

        var keys = await KeysAsync(KeyRange.Between("b", "d"));

        Assert.Equal(["b", "b/1", "c"], keys);
    }

    [Fact]
    public async Task Range_Between_OrdersBoundsByUtf8Bytes()
    {
        await PutAllAsync("z", "é", "😀", "\uFF61");

        // In UTF-16 the emoji would be below U+FF61 and this range would be empty.
        var keys = await KeysAsync(KeyRange.Between("\uFF61", "\U0001F601"));

        Assert.Equal(["\uFF61", "😀"], keys);
    }

    [Theory]
    [InlineData("c", "b")]
    [InlineData("b", "b")]
    public async Task Range_Between_ReturnsNothing_WhenEndIsNotAfterStart(string from, string to)
    {
        await PutAllAsync("a", "b", "c");

        var result = await RangeAsync(KeyRange.Between(from, to));

        Assert.Empty(result.Kvs);
        Assert.Equal(0, result.Count);
    }

    [Fact]
    public async Task Range_FromKey_ReturnsTheKeyAndEverythingAfterIt()
    {
        await PutAllAsync("a", "b", "bb", "c", "é");

        Assert.Equal(["b", "bb", "c", "é"], await KeysAsync(KeyRange.FromKey("b")));
        Assert.Equal(["bb", "c", "é"], await KeysAsync(KeyRange.FromKey("ba")));
    }

    [Fact]
    public async Task Range_FromEmptyKey_ReturnsEveryKey()
    {
        await PutAllAsync("b", "a", "😀");

        Assert.Equal(["a", "b", "😀"], await KeysAsync(KeyRange.FromKey("")));
    }

    [Fact]
    public async Task Range_Limit_ReturnsTheFirstKeys_SetsMore_AndCountsTheWholeRange()
    {
        await PutAllAsync("p/5", "p/1", "p/4", "p/2", "p/3", "q");

        var result = await RangeAsync(KeyRange.Prefix("p/"), limit: 2);

        Assert.Equal(["p/1", "p/2"], result.Kvs.Select(kv => kv.Key));
        Assert.True(result.More);
        Assert.Equal(5, result.Count);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(0)]
    public async Task Range_Limit_DoesNotSetMore_WhenEveryKeyFits(long limit)
    {
        await PutAllAsync("p/1", "p/2", "p/3");

        var result = await RangeAsync(KeyRange.Prefix("p/"), limit: limit);

        Assert.Equal(3, result.Kvs.Count);
        Assert.False(result.More);
        Assert.Equal(3, result.Count);
    }

    [Fact]
    public async Task Range_KeysOnly_ReturnsKeysAndMetadata_WithEmptyValues()
    {
        await PutAllAsync("k/1", "k/2");
        var full = await RangeAsync(KeyRange.Prefix("k/"));

        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { KeysOnly = true });

        Assert.Equal(["k/1", "k/2"], result.Kvs.Select(kv => kv.Key));
        Assert.All(result.Kvs, kv => Assert.True(kv.Value.IsEmpty));
        Assert.Equal(
            full.Kvs.Select(kv => (kv.CreateRevision, kv.ModRevision, kv.Version)),
            result.Kvs.Select(kv => (kv.CreateRevision, kv.ModRevision, kv.Version)));
        Assert.Equal(2, result.Count);
    }

    [Fact]
    public async Task Range_CountOnly_ReturnsTheCount_WithoutKeys()
    {
        await PutAllAsync("k/1", "k/2", "k/3", "l");

        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { CountOnly = true });

        Assert.Empty(result.Kvs);
        Assert.Equal(3, result.Count);
        Assert.False(result.More);
    }

    [Fact]
    public async Task Range_CountOnly_CountsTheWholeRange_WhenALimitIsGiven()
    {
        await PutAllAsync("k/1", "k/2", "k/3");

        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { CountOnly = true, Limit = 1 });

        Assert.Empty(result.Kvs);
        Assert.Equal(3, result.Count);
    }

    [Fact]
    public async Task Range_ReportsTheStoreRevision()
    {
        var put = await PutAsync("a", "1");
        await PutAsync("b", "2");

        var result = await RangeAsync(KeyRange.Single("a"));

        Assert.Equal(put.Revision + 1, result.Revision);
        Assert.Equal(await RevisionAsync(), result.Revision);
    }

    [Fact]
    public async Task Range_ReturnsAnEmptyValue_AsAPresentKey()
    {
        await Store.PutAsync(new PutRequest("empty", ReadOnlyMemory<byte>.Empty));

        var kv = await GetAsync("empty");

        Assert.NotNull(kv);
        Assert.True(kv.Value.IsEmpty);
        Assert.Equal(1, kv.Version);
    }

    [Fact]
    public async Task Range_ReturnsBinaryValuesByteForByte()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 0xFF, 0 }).ToArray();
        await Store.PutAsync(new PutRequest("bin", value));

        var kv = await GetAsync("bin");

        Assert.NotNull(kv);
        Assert.Equal(value, kv.Value.ToArray());
    }
}

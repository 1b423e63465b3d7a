namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>The EDN reader as the compat runs API uses it on text from clients: the seed's notation as JSON, and no
/// text that could exhaust the stack.</summary>
public sealed class EdnTests
{
    [Fact]
    public void TheWalkthroughsTopology_ReadsAsAJsonMapOfNodeToIndexes()
    {
        var json = Edn.ToJson(Edn.Read("{\"node1\" [1 2 4], \"node2\" [2]}"));

        Assert.Equal("{\"node1\":[1,2,4],\"node2\":[2]}", json!.ToJsonString());
    }

    [Fact]
    public void ASeedModule_HasItsKeywordsAsNames()
    {
        var json = Edn.ToJson(Edn.Read("{:nodes {\"node1\" {:multiplicity 3 :params {\"p\" {:default \"v\"}}}}}"));

        Assert.Equal("{\"nodes\":{\"node1\":{\"multiplicity\":3,\"params\":{\"p\":{\"default\":\"v\"}}}}}", json!.ToJsonString());
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('{', '}')]
    [InlineData('(', ')')]
    public void NestingDeeperThanTheLimit_IsRefused_NotAStackOverflow(char open, char close)
    {
        var deep = new string(open, 100_000) + new string(close, 100_000);

        var error = Assert.Throws<InvalidDataException>(() => Edn.Read(deep));
        Assert.Contains("nested deeper than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingUpToTheLimit_IsRead()
    {
        var text = new string('[', Edn.MaxDepth) + new string(']', Edn.MaxDepth);

        Assert.NotNull(Edn.Read(text));
    }
}

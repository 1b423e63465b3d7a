using Cairn.Contracts;

namespace Cairn.Cli.Tests.Security;

/// <summary>How <c>role grant</c>/<c>revoke</c> read a permission: etcdctl's words, comma lists, <c>*</c>, and a clear
/// refusal of anything else, before anything is sent.</summary>
public sealed class PermissionArgumentTests
{
    [Theory]
    [InlineData("readwrite", new[] { "read", "write" })]
    [InlineData("rw", new[] { "read", "write" })]
    [InlineData("read", new[] { "read" })]
    [InlineData("WRITE", new[] { "write" })]
    [InlineData("read,write,read", new[] { "read", "write" })]
    [InlineData("*", new[] { "*" })]
    public void KvActions_AreReadAsEtcdctlWritesThem(string actions, string[] expected)
    {
        var permission = PermissionArguments.Parse("kv", actions, "/app/", prefix: true, rangeEnd: null);

        Assert.Equal(expected, permission.Actions);
        Assert.Equal("/app/", permission.Key);
        Assert.True(permission.Prefix);
    }

    [Fact]
    public void AKvRange_IsAKeyAndARangeEnd()
    {
        var permission = PermissionArguments.Parse("kv", "read", "a", prefix: false, rangeEnd: "m");

        Assert.Equal("a", permission.Key);
        Assert.Equal("m", permission.RangeEnd);
        Assert.False(permission.Prefix);
    }

    [Fact]
    public void OtherResources_TakeCommaListsOfTheirActions_AndUnnamedOnesNoKey()
    {
        var jobs = PermissionArguments.Parse("jobs", "launch,cancel", "script:", prefix: true, rangeEnd: null);
        var admin = PermissionArguments.Parse("admin", "status,snapshot", null, prefix: false, rangeEnd: null);

        Assert.Equal(["launch", "cancel"], jobs.Actions);
        Assert.Equal(AuthResources.Admin, admin.Resource);
        Assert.Equal(["status", "snapshot"], admin.Actions);
        Assert.Equal("", admin.Key);
    }

    [Theory]
    [InlineData("kvs", "read", "k", false, null, "Unknown resource 'kvs'")]
    [InlineData("kv", "append", "k", false, null, "'append' is not an action of 'kv'")]
    [InlineData("journal", "readwrite", "x", false, null, "'readwrite' is not an action of 'journal'")]
    [InlineData("kv", "read", null, false, null, "needs a KEY")]
    [InlineData("blobs", "read", "a", false, "b", "--range-end is for kv only")]
    [InlineData("kv", "read", "a", true, "b", "either --prefix or --range-end")]
    [InlineData("admin", "status", "x", false, null, "takes no KEY")]
    [InlineData("kv", ",", "k", false, null, "No actions given")]
    public void Mistakes_AreRefused_SayingWhatIsAccepted(string resource, string actions, string? key, bool prefix, string? rangeEnd, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PermissionArguments.Parse(resource, actions, key, prefix, rangeEnd));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}

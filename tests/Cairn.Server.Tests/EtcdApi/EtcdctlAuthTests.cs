using Cairn.Server.Tests.Security.Http;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>etcdctl against Cairn's etcd API with auth on: <c>--user</c> logs in through etcd's <c>Authenticate</c>
/// (a Cairn login session, sent back as the <c>token</c> metadata), and without it nothing is read or written.</summary>
public sealed class EtcdctlAuthTests(EtcdctlAuthTests.Fixture fixture) : IClassFixture<EtcdctlAuthTests.Fixture>
{
    public sealed class Fixture : AuthServerFixture
    {
        public Fixture() => Settings["EtcdApi:Listen:0"] = "http://127.0.0.1:0";

        public string EtcdEndpoint => Server.EtcdApiAddresses.Single();
    }

    private string Root => "--user=root:" + AuthHttp.RootPassword;

    [Fact]
    public async Task WithTheRootsPassword_PutAndGetWork()
    {
        var put = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, Root, "put", "auth/a", "secret-value");
        var get = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, Root, "get", "auth/a");

        Assert.True(put.ExitCode == 0, put.Error);
        Assert.Equal("OK", put.Output.Trim());
        Assert.Equal("auth/a\nsecret-value", get.Output.Trim());
    }

    [Fact]
    public async Task WithoutCredentials_OrWithAWrongPassword_NothingIsReadOrWritten()
    {
        await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, Root, "put", "auth/b", "secret-value");

        var anonymousGet = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, "get", "auth/b");
        var anonymousPut = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, "put", "auth/b", "overwritten");
        var wrong = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, "--user=root:wrong", "get", "auth/b");
        var after = await Etcdctl.RunAsync(fixture.EtcdEndpoint, null, Root, "get", "auth/b", "--print-value-only");

        Assert.NotEqual(0, anonymousGet.ExitCode);
        Assert.DoesNotContain("secret-value", anonymousGet.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, anonymousPut.ExitCode);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("authentication failed", wrong.Error, StringComparison.Ordinal);
        Assert.Equal("secret-value", after.Output.Trim());
    }
}

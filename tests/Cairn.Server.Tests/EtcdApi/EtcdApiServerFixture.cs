namespace Cairn.Server.Tests.EtcdApi;

/// <summary>A server with the etcd API on a loopback port of its own (<c>EtcdApi:Listen</c> = <c>http://127.0.0.1:0</c>).</summary>
public sealed class EtcdApiServerFixture : ServerFixture
{
    public EtcdApiServerFixture() => Settings["EtcdApi:Listen:0"] = "http://127.0.0.1:0";

    /// <summary>The etcd API's <c>http://127.0.0.1:PORT</c>.</summary>
    public string EtcdEndpoint => Server.EtcdApiAddresses.Single();
}

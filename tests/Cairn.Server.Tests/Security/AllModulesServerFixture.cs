namespace Cairn.Server.Tests.Security;

/// <summary>A server with every module on, and each compat API also on a Unix socket listener of its own (so that its
/// routes are mapped at that listener's root too); nothing runs on its own (no cluster member, no job workers, no cart
/// staging), and the etcd API on a Unix socket.</summary>
public sealed class AllModulesServerFixture : ServerFixture
{
    public AllModulesServerFixture()
    {
        Settings["Cluster:Enabled"] = "false";
        Settings["Jobs:Workers"] = "0";
        Settings["Carts:MaxActiveCarts"] = "0";
        Settings["Journal:Listen:0"] = "unix:" + Path.Combine(DataDir, "journal.sock");
        Settings["Pulzar:Listen:0"] = "unix:" + Path.Combine(DataDir, "pulzar.sock");
        Settings["Runs:Listen:0"] = "unix:" + Path.Combine(DataDir, "runs.sock");
        Settings["Carts:Listen:0"] = "unix:" + Path.Combine(DataDir, "cartd.sock");
        Settings["EtcdApi:Listen:0"] = "unix:" + Path.Combine(DataDir, "etcd.sock"); // so that the etcd API's gRPC services are mapped
    }
}

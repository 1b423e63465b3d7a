namespace Cairn.Server.Tests.EtcdApi;

public sealed partial class EtcdctlTests
{
    [Fact]
    public async Task Leases_GrantKeepAliveTimeToLiveRevoke_PrintTheSame_AsEtcd()
    {
        foreach (var endpoint in new[] { Cairn, Etcd })
        {
            var grant = await Etcdctl.RunAsync(endpoint, null, "lease", "grant", "600");
            Assert.Matches(@"^lease [0-9a-f]+ granted with TTL\(600s\)\n$", grant.Text);
            var id = grant.Output.Split(' ')[1];

            Assert.Equal("OK\n", (await Etcdctl.RunAsync(endpoint, null, "put", "lease/k", "v", "--lease=" + id)).Text);
            Assert.Equal("lease ID granted with TTL(600s), remaining(N), attached keys([lease/k])\n", Etcdctl.Normalize((await Etcdctl.RunAsync(endpoint, null, "lease", "timetolive", id, "--keys")).Text));
            Assert.Equal($"lease {id} keepalived with TTL(600)\n", (await Etcdctl.RunAsync(endpoint, null, "lease", "keep-alive", "--once", id)).Text);
            Assert.Contains(id, (await Etcdctl.RunAsync(endpoint, null, "lease", "list")).Text, StringComparison.Ordinal);
            Assert.Equal($"lease {id} revoked\n", (await Etcdctl.RunAsync(endpoint, null, "lease", "revoke", id)).Text);
            Assert.Equal("", (await Etcdctl.RunAsync(endpoint, null, "get", "lease/k")).Text);
            Assert.Equal($"lease {id} already expired\n", (await Etcdctl.RunAsync(endpoint, null, "lease", "timetolive", id)).Text);
            Assert.Equal("Error: failed to revoke lease (etcdserver: requested lease not found)", (await Etcdctl.RunAsync(endpoint, null, "lease", "revoke", id)).Text);
        }
    }
}

using System.Text.Json;

namespace Cairn.Server.Tests.EtcdApi;

/// <summary>
/// etcdctl (Debian's 3.4) against Cairn's etcd API and against a real etcd started for these tests: the same commands
/// print the same thing on both (lease ids and seconds left made the same, as revisions where they are printed differ).
/// One etcd and one Cairn serve the whole class: each test works under its own key prefix, and a test that reads or
/// compacts revisions only uses those it wrote itself, so the tests pass in any order.
/// </summary>
public sealed partial class EtcdctlTests(EtcdApiServerFixture cairn, EtcdctlTests.EtcdFixture etcd)
    : IClassFixture<EtcdApiServerFixture>, IClassFixture<EtcdctlTests.EtcdFixture>
{
    private string Etcd => etcd.Server.Endpoint;

    private string Cairn => cairn.EtcdEndpoint;

    /// <summary>A real etcd of the class's own (started once for all its tests, not once per test).</summary>
    public sealed class EtcdFixture : IAsyncLifetime
    {
        private EtcdServer? _server;

        public EtcdServer Server => _server ?? throw new InvalidOperationException("The etcd has not started.");

        public async Task InitializeAsync() => _server = await EtcdBackend.StartDedicatedAsync();

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }

    // Runs the same commands on both servers and returns what each printed, one string per command.
    private async Task<(List<string> Cairn, List<string> Etcd)> BothAsync(params (string? Stdin, string[] Args)[] commands)
    {
        var results = (Cairn: new List<string>(), Etcd: new List<string>());
        foreach (var (stdin, args) in commands)
        {
            results.Cairn.Add(Etcdctl.Normalize((await Etcdctl.RunAsync(Cairn, stdin, args)).Text));
            results.Etcd.Add(Etcdctl.Normalize((await Etcdctl.RunAsync(Etcd, stdin, args)).Text));
        }

        return results;
    }

    private static (string?, string[]) Cmd(params string[] args) => (null, args);

    [Fact]
    public async Task PutGetDel_PrintTheSame_AsEtcd()
    {
        var (onCairn, onEtcd) = await BothAsync(
            Cmd("put", "kv/a", "1"),
            Cmd("put", "kv/b", "two words"),
            Cmd("put", "kv/c", "3", "--prev-kv"),
            Cmd("put", "kv/c", "33", "--prev-kv"),
            Cmd("get", "--prefix", "kv/"),
            Cmd("get", "kv/a", "kv/c"),
            Cmd("get", "--prefix", "kv/", "--keys-only", "--sort-by=VALUE", "--order=DESCEND"),
            Cmd("get", "--prefix", "kv/", "--limit=2"),
            Cmd("get", "--from-key", "kv/b", "--keys-only", "--limit=2"),
            Cmd("del", "kv/a"),
            Cmd("del", "--prefix", "kv/", "--prev-kv"),
            Cmd("get", "--prefix", "kv/"),
            Cmd("get", ""));

        Assert.Equal(onEtcd, onCairn);
        Assert.Equal("kv/a\n1\nkv/b\ntwo words\nkv/c\n33\n", onCairn[4]);
    }

    [Fact]
    public async Task GetAtRevision_AndCompaction_AnswerAsEtcd()
    {
        // Compacts at a revision this test wrote: the other tests of the class only read revisions they wrote themselves.
        foreach (var endpoint in new[] { Cairn, Etcd })
        {
            var first = Revision(await Etcdctl.RunAsync(endpoint, null, "put", "rev/k", "v1", "-w", "json"));
            var second = Revision(await Etcdctl.RunAsync(endpoint, null, "put", "rev/k", "v2", "-w", "json"));

            Assert.Equal("rev/k\nv1\n", (await Etcdctl.RunAsync(endpoint, null, "get", "rev/k", $"--rev={first}")).Text);
            Assert.Equal("rev/k\nv2\n", (await Etcdctl.RunAsync(endpoint, null, "get", "rev/k")).Text);
            Assert.Equal($"compacted revision {second}\n", (await Etcdctl.RunAsync(endpoint, null, "compaction", second.ToString(System.Globalization.CultureInfo.InvariantCulture))).Text);
            Assert.Equal("Error: etcdserver: mvcc: required revision has been compacted", (await Etcdctl.RunAsync(endpoint, null, "get", "rev/k", $"--rev={first}")).Text);
            Assert.Equal("Error: etcdserver: mvcc: required revision is a future revision", (await Etcdctl.RunAsync(endpoint, null, "get", "rev/k", $"--rev={second + 1000}")).Text);
        }
    }

    [Fact]
    public async Task Txn_FromStdin_PrintsTheSame_AsEtcd()
    {
        const string Succeeds = "value(\"txn/k\") = \"v\"\n\nput txn/ok yes\nget txn/k\n\nput txn/failed yes\n\n";
        const string Fails = "mod(\"txn/k\") = \"1\"\nversion(\"txn/missing\") > \"0\"\n\nput txn/ok again\n\ndel txn/ok\nget --prefix txn/\n\n";
        var (onCairn, onEtcd) = await BothAsync(
            Cmd("put", "txn/k", "v"),
            (Succeeds, ["txn"]),
            (Fails, ["txn"]),
            Cmd("get", "--prefix", "txn/"));

        Assert.Equal(onEtcd, onCairn);
        Assert.Equal("SUCCESS\n\nOK\n\ntxn/k\nv\n", onCairn[1]);
        Assert.StartsWith("FAILURE", onCairn[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointHealthStatusAndMemberList_DescribeOneHealthyMember()
    {
        var health = await Etcdctl.RunAsync(Cairn, null, "endpoint", "health");
        Assert.Matches(@"^http://127\.0\.0\.1:\d+ is healthy: successfully committed proposal", health.Output + health.Error); // etcdctl 3.4 prints it on stderr

        // etcdctl 3.4's endpoint status sends the whole endpoint URL as the gRPC authority (Cairn's etcd listener makes it
        // a host for Kestrel); host:port works too.
        using var status = JsonDocument.Parse((await Etcdctl.RunAsync(Cairn, null, "endpoint", "status", "-w", "json")).Output);
        using var hostPort = JsonDocument.Parse((await Etcdctl.RunAsync(Cairn["http://".Length..], null, "endpoint", "status", "-w", "json")).Output);
        Assert.Equal(status.RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("member_id").GetUInt64(), hostPort.RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("member_id").GetUInt64());
        var answer = status.RootElement[0].GetProperty("Status");
        Assert.Equal("3.6.0", answer.GetProperty("version").GetString());
        Assert.Equal(answer.GetProperty("header").GetProperty("member_id").GetUInt64(), answer.GetProperty("leader").GetUInt64());
        Assert.True(answer.GetProperty("dbSize").GetInt64() > 0);

        var members = await Etcdctl.RunAsync(Cairn, null, "member", "list");
        Assert.Matches($@"^[0-9a-f]+, started, {cairn.Server.Options.NodeId}, , {Cairn}, false\n$", members.Text);
    }

    private static long Revision(Etcdctl.Result put)
    {
        Assert.True(put.ExitCode == 0, put.Error);
        using var json = JsonDocument.Parse(put.Output);
        return json.RootElement.GetProperty("header").GetProperty("revision").GetInt64();
    }
}

namespace Cairn.Server.Tests.EtcdApi;

public sealed partial class EtcdctlTests
{
    [Fact]
    public async Task Watch_FromARevision_PrintsTheChanges_AsEtcd()
    {
        var printed = new List<string>();
        foreach (var endpoint in new[] { Cairn, Etcd })
        {
            var start = Revision(await Etcdctl.RunAsync(endpoint, null, "put", "watch/a", "1", "-w", "json"));
            using var watch = Etcdctl.Start(endpoint, "watch", "--prefix", "watch/", $"--rev={start}", "--prev-kv");
            try
            {
                await Etcdctl.RunAsync(endpoint, null, "put", "watch/b", "2");
                await Etcdctl.RunAsync(endpoint, null, "put", "watch/a", "11");
                await Etcdctl.RunAsync(endpoint, null, "del", "watch/b");
                await Etcdctl.RunAsync(endpoint, null, "put", "other", "x");
                var lines = new List<string>();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (lines.Count < 16) // 4 events, each its type, its previous key and value if any, its key and value
                {
                    lines.Add(await watch.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("etcdctl watch ended: " + await watch.StandardError.ReadToEndAsync()));
                }

                printed.Add(string.Join('\n', lines));
            }
            finally
            {
                watch.Kill();
            }
        }

        Assert.Equal(printed[1], printed[0]);
        Assert.Equal("PUT\nwatch/a\n1\nPUT\nwatch/b\n2\nPUT\nwatch/a\n1\nwatch/a\n11\nDELETE\nwatch/b\n2\nwatch/b\n", printed[0]);
    }
}

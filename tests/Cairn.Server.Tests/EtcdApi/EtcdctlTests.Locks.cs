using System.Diagnostics;

namespace Cairn.Server.Tests.EtcdApi;

public sealed partial class EtcdctlTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Lock_SecondWaits_UntilTheFirstHoldersLeaseIsRevoked_AsEtcd()
    {
        var printed = new List<string>();
        foreach (var endpoint in new[] { Cairn, Etcd })
        {
            using var first = Etcdctl.Start(endpoint, "lock", "locks/a");
            Process? second = null;
            try
            {
                // etcdctl prints the lock's key (and its empty value) once it holds the lock.
                var held = await ReadLinesAsync(first, 2);
                Assert.StartsWith("locks/a/", held[0], StringComparison.Ordinal);

                // The second runs a command while it holds the lock: it is queued behind the first (its key is there) and
                // has not run it.
                second = Etcdctl.Start(endpoint, "lock", "locks/a", "--", "echo", "holding");
                await Eventually.UntilAsync(async () => (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "locks/a/", "--keys-only")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, Deadline, "the second etcdctl lock queues its key");
                if (second.HasExited)
                {
                    Assert.Fail("The second lock ran while the first held it: " + await second.StandardOutput.ReadToEndAsync() + await second.StandardError.ReadToEndAsync());
                }

                // The first dies without unlocking: its lease, revoked, takes its key, and the second gets the lock.
                first.Kill();
                var lease = held[0]["locks/a/".Length..];
                Assert.Equal($"lease {lease.PadLeft(16, '0')} revoked\n", (await Etcdctl.RunAsync(endpoint, null, "lease", "revoke", lease)).Text);
                using var deadline = new CancellationTokenSource(Deadline);
                var output = await second.StandardOutput.ReadToEndAsync(deadline.Token);
                await second.WaitForExitAsync(deadline.Token);
                Assert.True(second.ExitCode == 0, await second.StandardError.ReadToEndAsync());

                // Done with its command, the second unlocked: no key is left.
                var left = (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "locks/a/")).Text;
                printed.Add(held[1] + "|" + output + "|" + left);
            }
            finally
            {
                first.Kill();
                second?.Kill();
                second?.Dispose();
            }
        }

        Assert.Equal(printed[1], printed[0]);
        Assert.Equal("|holding\n|", printed[0]);
    }

    [Fact]
    public async Task Elect_ObserverSeesTheLeader_ItsSuccessorWhenItDies_AsEtcd()
    {
        var printed = new List<string>();
        foreach (var endpoint in new[] { Cairn, Etcd })
        {
            using var observer = Etcdctl.Start(endpoint, "elect", "-l", "elections/a");
            using var leader = Etcdctl.Start(endpoint, "elect", "elections/a", "one");
            Process? next = null;
            try
            {
                var elected = await ReadLinesAsync(leader, 2);
                Assert.Equal([elected[0], "one"], await ReadLinesAsync(observer, 2));

                next = Etcdctl.Start(endpoint, "elect", "elections/a", "two");
                await Eventually.UntilAsync(async () => (await Etcdctl.RunAsync(endpoint, null, "get", "--prefix", "elections/a/", "--keys-only")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, Deadline, "the second campaign queues its key");

                // The leader dies and its lease is revoked: the next campaigner leads, and the observer sees it.
                leader.Kill();
                var lease = elected[0]["elections/a/".Length..];
                Assert.Equal($"lease {lease.PadLeft(16, '0')} revoked\n", (await Etcdctl.RunAsync(endpoint, null, "lease", "revoke", lease)).Text);
                var successor = await ReadLinesAsync(next, 2);
                Assert.NotEqual(elected[0], successor[0]);
                Assert.Equal(successor, await ReadLinesAsync(observer, 2));
                printed.Add(Etcdctl.Normalize(string.Join('\n', elected[1], successor[1], successor[0][..successor[0].LastIndexOf('/')])));
            }
            finally
            {
                observer.Kill();
                leader.Kill();
                next?.Kill();
                next?.Dispose();
            }
        }

        Assert.Equal(printed[1], printed[0]);
        Assert.Equal("one\ntwo\nelections/a", printed[0]);
    }

    // The next lines a running etcdctl prints; its error output when it ends first.
    private static async Task<string[]> ReadLinesAsync(Process process, int count)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var lines = new string[count];
        for (var i = 0; i < count; i++)
        {
            lines[i] = await process.StandardOutput.ReadLineAsync(deadline.Token)
                ?? throw new InvalidOperationException("etcdctl ended: " + await process.StandardError.ReadToEndAsync());
        }

        return lines;
    }
}

using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn lease …</c>, <c>cairn kv put --lease/--ttl</c> and <c>cairn watch</c> against a real server.</summary>
public sealed class LeaseAndWatchCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Unique() => $"cli-lease-{Guid.NewGuid():N}/";

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private Task<CliRun> Cairn(string transport, params string[] args) => CliRun.RunAsync([.. args, "--endpoint", fixture.Endpoint(transport)]);

    private static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, WireJson.Options)!;

    // The JSON a run printed; a run that failed says why (its stderr) instead of failing on empty JSON.
    private static T Parse<T>(CliRun run)
    {
        Assert.True(run.ExitCode == 0, $"cairn exited {run.ExitCode}: {run.Error}");
        return Parse<T>(run.Out);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Lease_GrantPutKeepAliveTtlListRevoke_WorkFromTheShell(string transport)
    {
        var key = Unique() + "k";

        var grant = await Cairn(transport, "lease", "grant", "60", "--json");
        var lease = Parse<LeaseDto>(grant);
        var id = Num(lease.Id);
        var put = await Cairn(transport, "kv", "put", key, "v", "--lease", id);
        var keepAlive = await Cairn(transport, "lease", "keepalive", id, "--once");
        var ttl = await Cairn(transport, "lease", "ttl", id, "--keys");
        var ttlJson = await Cairn(transport, "lease", "ttl", id, "--keys", "--json");
        var list = await Cairn(transport, "lease", "ls");
        var listJson = await Cairn(transport, "lease", "ls", "--json");
        var revoke = await Cairn(transport, "lease", "revoke", id);
        var gone = await Cairn(transport, "kv", "get", key);

        Assert.Equal(60, lease.Ttl);
        Assert.Matches($@"^created at revision \d+ with lease {id}\n$", put.Out);
        Assert.Matches($@"^lease {id} kept alive, TTL (59|60)s\n$", keepAlive.Out);
        Assert.Matches(@"ttl\s+60", ttl.Out);
        Assert.Contains(key, ttl.Out, StringComparison.Ordinal);
        Assert.Contains(key, Parse<LeaseDto>(ttlJson).Keys!);
        Assert.Matches($@"(?m)^{id}\s+60\s+\d+$", list.Out);
        Assert.Contains(Parse<LeaseListDto>(listJson).Leases, l => l.Id == lease.Id);
        Assert.StartsWith($"lease {id} revoked at revision ", revoke.Out, StringComparison.Ordinal);
        Assert.Contains("not found", gone.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("00:02:00", 120)]
    public async Task KvPut_WithTtl_GrantsALeaseForTheKey(string ttlText, long seconds)
    {
        var key = Unique() + "ttl";

        var put = Parse<PutResultDto>(await Cairn("tcp", "kv", "put", key, "v", "--ttl", ttlText, "--json"));
        var ttl = Parse<LeaseDto>(await Cairn("tcp", "lease", "ttl", Num(put.Lease!.Value), "--keys", "--json"));

        Assert.Equal(seconds, ttl.Ttl);
        Assert.Equal([key], ttl.Keys);
    }

    [Fact]
    public async Task LeaseGrant_TakesADuration()
    {
        var grant = Parse<LeaseDto>(await Cairn("unix", "lease", "grant", "2m", "--json"));

        Assert.Equal(120, grant.Ttl);
    }

    [Theory]
    [InlineData("lease", "revoke", "987654321")]
    [InlineData("lease", "keepalive", "987654321", "--once")]
    [InlineData("lease", "ttl", "987654321")]
    [InlineData("kv", "put", "cli-lease-x", "v", "--lease", "987654321")]
    public async Task UnknownLease_FailsWithOneLine(params string[] args)
    {
        var run = await Cairn("tcp", args);

        Assert.StartsWith("cairn: Lease 987654321 not found", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lease", "grant", "0")]
    [InlineData("lease", "grant", "-1")]
    [InlineData("lease", "grant", "1000000000000")]
    [InlineData("kv", "put", "cli-lease-x", "v", "--ttl", "0")]
    [InlineData("kv", "put", "cli-lease-x", "v", "--ttl", "soon")]
    [InlineData("kv", "put", "cli-lease-x", "v", "--ttl", "5", "--lease", "7")]
    [InlineData("lease", "grant", "ten")]
    public async Task BadLeaseArguments_FailWithOneLine(params string[] args)
    {
        var run = await Cairn("tcp", args);

        run.AssertOneLineError();
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Watch_PrintsOneLinePerEvent_UntilCancelled(string transport)
    {
        var prefix = Unique();
        using var client = new CairnClient(fixture.Endpoint(transport));
        var from = (await client.ServerStatusAsync()).Revision + 1;
        using var stop = new CancellationTokenSource(Deadline);
        var (exit, output) = CliRun.Start(["watch", prefix, "--prefix", "--from-revision", Num(from), "--endpoint", fixture.Endpoint(transport)], stop.Token);

        var put = await client.PutAsync(prefix + "a", "hello");
        var deleted = await client.DeleteKeyAsync(prefix + "a");
        await Eventually.UntilAsync(() => output().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, Deadline, "both events are printed");
        await stop.CancelAsync();

        Assert.Equal(0, await exit.WaitAsync(Deadline));
        Assert.Equal($"PUT {prefix}a = hello (rev {Num(put.Revision)})\nDELETE {prefix}a (rev {Num(deleted.Revision)})\n", output());
    }

    [Fact]
    public async Task Watch_Json_PrintsOneParsableObjectPerEvent()
    {
        var prefix = Unique();
        using var client = new CairnClient(fixture.TcpEndpoint);
        var from = (await client.ServerStatusAsync()).Revision + 1;
        var put = await client.PutAsync(prefix + "a", "one");
        await client.PutAsync(prefix + "a", "two");
        using var stop = new CancellationTokenSource(Deadline);
        var (exit, output) = CliRun.Start(["watch", prefix + "a", "--from-revision", Num(from), "--prev-kv", "--json", "--endpoint", fixture.TcpEndpoint], stop.Token);

        await Eventually.UntilAsync(() => output().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, Deadline, "both events are printed");
        await stop.CancelAsync();
        await exit.WaitAsync(Deadline);

        var events = output().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse<WatchEventDto>).ToList();
        Assert.Equal(["put", "put"], events.Select(e => e.Type));
        Assert.Equal(put.Revision, events[0].Kv.ModRevision);
        Assert.Equal("two"u8.ToArray(), events[1].Kv.Value);
        Assert.Equal("one"u8.ToArray(), events[1].PrevKv!.Value);
    }

    [Fact]
    public async Task Watch_FromACompactedRevision_FailsWithOneLine()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique() + "old";
        var first = await client.PutAsync(key, "1");
        var last = await client.PutAsync(key, "2");
        await client.CompactAsync(last.Revision);

        var run = await Cairn("tcp", "watch", key, "--from-revision", Num(first.Revision));

        Assert.Contains("compacted", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KilledClientProcess_ItsLeasedKeysVanishWithinTheTtl_AndWatchersSeeTheDeletes()
    {
        var endpoint = fixture.TcpEndpoint;
        var prefix = Unique();
        using var client = new CairnClient(endpoint);
        var from = (await client.ServerStatusAsync()).Revision + 1;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var events = new List<WatchEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in client.WatchAsync(prefix, prefix: true, fromRevision: from, cancellationToken: timeout.Token))
            {
                lock (events)
                {
                    events.Add(change);
                }
            }
        });
        List<WatchEvent> Events()
        {
            lock (events)
            {
                return [.. events];
            }
        }

        // The "client process" is a real `cairn lease keepalive`: a session's keep-alive loop, from the shell. The lease is
        // granted and kept alive from here until that process has renewed it once, so that the lease never depends on how
        // long a loaded machine takes to start a process; the keys go on it from here too.
        var lease = await client.GrantLeaseAsync(6);
        var id = Num(lease.Id);
        using var keepAlive = ChildCairn.Start("lease", "keepalive", id, "--endpoint", endpoint);
        using (var bridge = new CancellationTokenSource())
        {
            var bridging = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await client.KeepAliveLeaseAsync(lease.Id, bridge.Token);
                        await Task.Delay(TimeSpan.FromSeconds(1), bridge.Token);
                    }
                }
                catch (OperationCanceledException) when (bridge.IsCancellationRequested)
                {
                }
            });
            await Eventually.UntilAsync(() => keepAlive.Out.Length > 0 || keepAlive.Process.HasExited, Deadline, "the keep-alive process renews the lease");
            await bridge.CancelAsync();
            await bridging;
        }

        Assert.False(keepAlive.Process.HasExited, $"cairn lease keepalive exited {(keepAlive.Process.HasExited ? keepAlive.Process.ExitCode : 0)}: {keepAlive.Error}");
        await client.PutAsync(prefix + "a", "1", new PutOptions { Lease = lease.Id });
        await client.PutAsync(prefix + "b", "2", new PutOptions { Lease = lease.Id });

        // Alive: the keys outlast the TTL while only the keep-alive process renews the lease (every TTL/3 = 2 s: four
        // renewals are more than a TTL).
        var renewals = keepAlive.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        await Eventually.UntilAsync(() => keepAlive.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= renewals + 4, Deadline, "four more renewals");
        Assert.Equal(2, (await client.ListAsync(prefix)).Count);

        keepAlive.Process.Kill(entireProcessTree: true);
        await keepAlive.Process.WaitForExitAsync(timeout.Token);

        await Eventually.UntilAsync(
            () => Events().Count(e => e.Type == WatchEventType.Delete) >= 2,
            TimeSpan.FromSeconds(lease.TtlSeconds + 10),
            "the watcher sees both keys deleted");
        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        Assert.Equal(0, (await client.ListAsync(prefix)).Count);
        Assert.Null(await client.LeaseTimeToLiveAsync(lease.Id));
        var seen = Events();
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete, WatchEventType.Delete], seen.Select(e => e.Type));
        Assert.Equal([prefix + "a", prefix + "b"], seen.Skip(2).Select(e => e.Kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal(seen[2].Kv.ModRevision, seen[3].Kv.ModRevision); // expiry deletes a lease's keys in one revision
    }
}

using System.Globalization;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>Concurrent callers: one total order of revisions, compare-and-set without lost updates, atomic snapshots.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class ConcurrencyConformance(Backend backend) : KeyspaceConformance(backend)
{
    /// <summary>Concurrent callers in the larger tests.</summary>
    protected virtual int Parallelism => 200;

    [Fact]
    public async Task ParallelPuts_GetDistinctConsecutiveRevisions_AndAreAllReadable()
    {
        var count = Parallelism;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => PutAsync($"par/{i:D4}", i.ToString(CultureInfo.InvariantCulture)))));

        var revisions = results.Select(r => r.Revision).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => StartRevision + i), revisions);
        Assert.Equal(StartRevision + count, await RevisionAsync());
        var all = await RangeAsync(KeyRange.Prefix("par/"));
        Assert.Equal(count, all.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)), all.Kvs.Select(kv => Text(kv.Value)));
        Assert.Equal(
            results.Select((r, i) => (Key: $"par/{i:D4}", r.Revision)).OrderBy(p => p.Key, StringComparer.Ordinal),
            all.Kvs.Select(kv => (kv.Key, kv.ModRevision)));
    }

    [Fact]
    public async Task ParallelPutsToOneKey_EndWithVersionEqualToThePutCount()
    {
        var count = Parallelism;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => PutAsync("hot", i.ToString(CultureInfo.InvariantCulture)))));

        var kv = (await GetAsync("hot"))!;
        Assert.Equal(count, kv.Version);
        Assert.Equal(results.Max(r => r.Revision), kv.ModRevision);
        Assert.Equal(count, results.Select(r => r.Revision).Distinct().Count());
    }

    [Fact]
    public async Task ConcurrentCasIncrements_EndWithValueEqualToTheNumberOfSuccesses()
    {
        const int Workers = 16;
        const int AttemptsPerWorker = 25;
        await PutAsync("counter", "0");

        var successes = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var attempt = 0; attempt < AttemptsPerWorker; attempt++)
            {
                var current = (await GetAsync("counter"))!;
                var next = long.Parse(Text(current.Value), CultureInfo.InvariantCulture) + 1;
                var txn = await TxnAsync(
                    [Compare.ModRevision("counter", CompareResult.Equal, current.ModRevision)],
                    [Put("counter", next.ToString(CultureInfo.InvariantCulture))]);
                if (txn.Succeeded)
                {
                    mine.Add(txn.Revision);
                }
            }

            return mine;
        })));

        var revisions = successes.SelectMany(s => s).ToList();
        var final = (await GetAsync("counter"))!;
        Assert.NotEmpty(revisions);
        Assert.Equal(revisions.Count, long.Parse(Text(final.Value), CultureInfo.InvariantCulture));
        Assert.Equal(revisions.Count + 1, final.Version);
        Assert.Equal(revisions.Count, revisions.Distinct().Count());
        Assert.Equal(revisions.Max(), final.ModRevision);
    }

    [Fact]
    public async Task ConcurrentCreateIfAbsent_HasExactlyOneWinner()
    {
        var count = Math.Min(Parallelism, 64);

        var txns = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => TxnAsync(
            [Compare.CreateRevision("leader", CompareResult.Equal, 0)],
            [Put("leader", "candidate-" + i.ToString(CultureInfo.InvariantCulture))],
            [Get("leader")]))));

        var winners = txns.Where(t => t.Succeeded).ToList();
        var winner = Assert.Single(winners);
        var leader = (await GetAsync("leader"))!;
        Assert.Equal(1, leader.Version);
        Assert.Equal(winner.Revision, leader.CreateRevision);
        Assert.All(txns.Where(t => !t.Succeeded), t =>
            Assert.Equal(Text(leader.Value), Text(Assert.Single(Assert.IsType<RangeResult>(Assert.Single(t.Results)).Kvs).Value)));
    }

    [Fact]
    public async Task ReadsDuringTxnWrites_NeverSeeAHalfAppliedTxn()
    {
        const int Writes = 100;
        await TxnAsync([], [Put("pair/a", "0"), Put("pair/b", "0")]);
        using var done = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            try
            {
                for (var i = 1; i <= Writes; i++)
                {
                    var value = i.ToString(CultureInfo.InvariantCulture);
                    await TxnAsync([], [Put("pair/a", value), Put("pair/b", value)]);
                }
            }
            finally
            {
                await done.CancelAsync();
            }
        });
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            long lastRevision = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                var result = await RangeAsync(KeyRange.Prefix("pair/"));
                Assert.Equal(2, result.Kvs.Count);
                Assert.Equal(Text(result.Kvs[0].Value), Text(result.Kvs[1].Value));
                Assert.Equal(result.Kvs[0].ModRevision, result.Kvs[1].ModRevision);
                Assert.True(result.Revision >= lastRevision, "The store revision a reader sees must never go backwards.");
                lastRevision = result.Revision;
                reads++;
            }

            return reads;
        })).ToList();

        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(Writes.ToString(CultureInfo.InvariantCulture), Text((await GetAsync("pair/a"))!.Value));
    }

    [Fact]
    public async Task ConcurrentMixedWrites_KeepOneTotalOrderOfRevisions()
    {
        var count = Parallelism;

        var revisions = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            var key = $"mix/{i % 10}";
            return (i % 3) switch
            {
                0 => (await PutAsync(key, "p")).Revision,
                1 => (await TxnAsync([], [Put($"mix/t{i}", "t"), Put($"mix/u{i}", "u")])).Revision,
                _ => (await PutAsync($"mix/own{i}", "o")).Revision,
            };
        })));

        Assert.Equal(Enumerable.Range(1, count).Select(i => StartRevision + i), revisions.Order());
    }
}

using System.Globalization;
using System.Text;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Bench;

/// <summary>
/// <c>cairn-bench chaos-verify</c>: checks a server against the logs of <see cref="ChaosWriter"/>. Lost: an acknowledged
/// put that is not in the history at its revision with its value, or a key that went back to an older value (or
/// vanished) after a later put was acknowledged. Phantom: a value under <c>chaos/</c> that no writer ever sent.
/// Reused: a revision acknowledged for two puts, or a writer's acknowledgements whose revisions do not increase.
/// Needs the history of the run (periodic compaction off).
/// </summary>
internal static class ChaosVerifier
{
    private sealed record Attempt(int Writer, long Seq, string Key, string Value)
    {
        public long Revision { get; set; }
    }

    public static async Task<int> RunAsync(ChaosOptions o, CancellationToken cancellationToken)
    {
        var attempts = new List<Attempt>();
        var reused = 0L;
        var writers = 0;
        foreach (var file in Directory.EnumerateFiles(o.LogDir, "w*.log").Order(StringComparer.Ordinal))
        {
            writers++;
            var writer = int.Parse(Path.GetFileNameWithoutExtension(file)[1..], CultureInfo.InvariantCulture);
            var mine = new Dictionary<long, Attempt>();
            long lastRevision = 0;
            foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false))
            {
                var parts = line.Split('\t');
                if (parts is ["A", var seq, var key, var value])
                {
                    var attempt = new Attempt(writer, long.Parse(seq, CultureInfo.InvariantCulture), key, value);
                    mine[attempt.Seq] = attempt;
                    attempts.Add(attempt);
                }
                else if (parts is ["K", var ackedSeq, var revision])
                {
                    var acked = mine[long.Parse(ackedSeq, CultureInfo.InvariantCulture)];
                    acked.Revision = long.Parse(revision, CultureInfo.InvariantCulture);
                    if (acked.Revision <= lastRevision)
                    {
                        await Console.Error.WriteLineAsync($"chaos-verify: writer {writer}: put {acked.Seq} acknowledged at revision {acked.Revision}, after one at {lastRevision}").ConfigureAwait(false);
                        reused++;
                    }

                    lastRevision = acked.Revision;
                }
            }
        }

        var ackedPuts = attempts.Where(a => a.Revision > 0).ToList();
        foreach (var twice in ackedPuts.GroupBy(a => a.Revision).Where(g => g.Count() > 1))
        {
            await Console.Error.WriteLineAsync($"chaos-verify: revision {twice.Key} acknowledged for {twice.Count()} puts: {string.Join(", ", twice.Select(a => a.Key + "=" + a.Value))}").ConfigureAwait(false);
            reused += twice.Count() - 1;
        }

        using var client = new CairnClient(o.Url.ToString().TrimEnd('/'));
        var lost = 0L;
        var phantom = 0L;

        // 1. Every acknowledged put is in the history: the key at that revision holds that value, written at that revision.
        foreach (var batch in ackedPuts.Chunk(100))
        {
            var requests = batch.Select(a => (KvRequest)new RangeRequest(KeyRange.Single(a.Key)) { Revision = a.Revision }).ToList();
            var result = await client.TxnAsync(new TxnRequest([], requests, []), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Length; i++)
            {
                var kv = ((RangeResult)result.Results[i]).Kvs.SingleOrDefault();
                if (kv is null || kv.ModRevision != batch[i].Revision || Encoding.UTF8.GetString(kv.Value.Span) != batch[i].Value)
                {
                    lost++;
                    if (lost <= 10)
                    {
                        var found = kv is null ? "nothing" : $"'{Encoding.UTF8.GetString(kv.Value.Span)}' written at {kv.ModRevision}";
                        await Console.Error.WriteLineAsync($"chaos-verify: lost: {batch[i].Key}='{batch[i].Value}' acknowledged at revision {batch[i].Revision}; the history has {found}").ConfigureAwait(false);
                    }
                }
            }
        }

        // 2. Every key now holds its last acknowledged value or a later attempted one; nothing else is under chaos/.
        var current = new Dictionary<string, KeyValue>(StringComparer.Ordinal);
        var prefixes = attempts.Select(a => $"chaos/w{a.Writer}/").Append("chaos/").Distinct(StringComparer.Ordinal).ToList();
        foreach (var prefix in prefixes)
        {
            // chaos/ itself only with keys only: it finds keys outside the writers' prefixes without fetching every value.
            var range = await client.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)) { KeysOnly = prefix == "chaos/" }, cancellationToken).ConfigureAwait(false);
            if (range.More)
            {
                throw new ArgumentException($"{prefix} holds more keys than one range answers ({range.Kvs.Count} of {range.Count}); run the writers with fewer --keys.");
            }

            foreach (var kv in range.Kvs.Where(kv => !current.ContainsKey(kv.Key)))
            {
                current[kv.Key] = kv;
            }
        }

        foreach (var key in attempts.GroupBy(a => a.Key, StringComparer.Ordinal))
        {
            var lastAcked = key.Where(a => a.Revision > 0).MaxBy(a => a.Seq);
            var allowed = key.Where(a => lastAcked is null || a.Seq >= lastAcked.Seq).Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
            if (!current.Remove(key.Key, out var kv))
            {
                if (lastAcked is not null)
                {
                    lost++;
                    await Console.Error.WriteLineAsync($"chaos-verify: lost: {key.Key} is gone; '{lastAcked.Value}' was acknowledged at {lastAcked.Revision}").ConfigureAwait(false);
                }

                continue;
            }

            var value = Encoding.UTF8.GetString(kv.Value.Span);
            if (allowed.Contains(value))
            {
                continue;
            }

            if (key.Any(a => a.Value == value))
            {
                lost++;
                await Console.Error.WriteLineAsync($"chaos-verify: lost: {key.Key} went back to '{value}'; '{lastAcked?.Value}' was acknowledged later, at {lastAcked?.Revision}").ConfigureAwait(false);
            }
            else
            {
                phantom++;
                await Console.Error.WriteLineAsync($"chaos-verify: phantom: {key.Key}='{value}', which no writer sent").ConfigureAwait(false);
            }
        }

        foreach (var stray in current.Values)
        {
            phantom++;
            await Console.Error.WriteLineAsync($"chaos-verify: phantom: {stray.Key}, a key no writer wrote").ConfigureAwait(false);
        }

        // 3. The store's revision did not go back below anything it acknowledged.
        var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
        var highest = ackedPuts.Count == 0 ? 0 : ackedPuts.Max(a => a.Revision);
        if (status.Revision < highest)
        {
            lost++;
            await Console.Error.WriteLineAsync($"chaos-verify: lost: the store is at revision {status.Revision}, below the acknowledged {highest}").ConfigureAwait(false);
        }

        Console.WriteLine($"chaos-verify: writers={writers} attempts={attempts.Count} acked={ackedPuts.Count} unanswered={attempts.Count - ackedPuts.Count} keys={attempts.Select(a => a.Key).Distinct().Count()} revision={status.Revision} lost={lost} phantom={phantom} reused={reused}");
        return lost + phantom + reused == 0 ? 0 : 1;
    }
}

using System.Text;
using System.Text.RegularExpressions;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// Reads an original Journal deployment's znodes (under its chroot) into the steps Cairn's journal takes.
/// </summary>
/// <remarks>
/// <para>The original's layout (its <c>zkjournal.py</c>):</para>
/// <list type="bullet">
/// <item><c>/&lt;txid&gt;/&lt;step&gt;</c>: a step of a request not folded yet; its data is
/// <c>zlib.compress(json.dumps(msg).encode())</c>, the message as the client posted it. Status read
/// <c>/&lt;txid&gt;/commit</c>, then <c>abort</c> (answering <c>{"status": msg}</c>), then <c>begin</c> (102).</item>
/// <item><c>/&lt;txid&gt;_lock</c>: the folder's kazoo lock on a request (any top-level name containing <c>_lock</c>
/// was passed over by the folder); not a request.</item>
/// <item><c>/history/sqlite-db#NNNNNNNNNN</c>: sequential znodes, each <c>zlib.compress</c> of the
/// <c>iterdump()</c> text of an in-memory SQLite database with one table <c>journal</c> holding the folded steps (see
/// <see cref="JournalHistoryDump"/> and <see cref="HistoryRow"/>). For a request with no live begin, commit or abort,
/// status went through the history nodes newest first (serial-number order of the sequence, 32 bits) and answered from
/// the first with a row <c>request_id = txid</c> of step commit, else abort (both <c>{"status": row}</c>), else begin
/// (102).</item>
/// </list>
/// <para>Every txid and step is checked with Cairn's own rules (<see cref="JournalNames"/>), and every message with the
/// journal's (<see cref="JournalMessages"/>): what Cairn would refuse is reported in
/// <see cref="OriginalJournal.Problems"/>, never imported and never fatal. The history's SQL is parsed, never executed.
/// A request's steps are all read into memory (the original's ZooKeeper held them all in memory too).</para>
/// </remarks>
public sealed partial class OriginalJournalReader
{
    /// <summary>The most a step's message may expand to (Cairn's server refuses more than its own limit, 16 MiB by
    /// default, in any case; this bounds what a damaged or hostile znode can make the import allocate).</summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    /// <summary>The most a history node's SQL text may expand to.</summary>
    public const int MaxHistoryBytes = 512 * 1024 * 1024;

    private const string HistoryNode = "history";
    private const int ReadParallelism = 16;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IZNodeSource _source;
    private readonly bool _skipZooKeeperNode;

    /// <summary>A reader of the original's znodes through <paramref name="client"/>, connected with the original's chroot
    /// (the connect string's <c>/path</c>); <paramref name="atServerRoot"/> when there is none, so that the server's own
    /// <c>/zookeeper</c> is not taken for a request.</summary>
    /// <param name="client">A connected client; the reader only reads, and does not dispose it.</param>
    /// <param name="atServerRoot">True when the client has no chroot.</param>
    public OriginalJournalReader(ZooKeeperClient client, bool atServerRoot)
        : this(new ZooKeeperClientSource(client), atServerRoot)
    {
    }

    /// <summary>A reader over <paramref name="source"/>; <paramref name="atServerRoot"/> when it reads the server's root
    /// (no chroot), whose <c>/zookeeper</c> is the server's own and no request.</summary>
    internal OriginalJournalReader(IZNodeSource source, bool atServerRoot)
    {
        _source = source;
        _skipZooKeeperNode = atServerRoot;
    }

    /// <summary>Reads every live step and every history node. Reads only; ZooKeeper's errors (a lost session, no
    /// permission to read a znode) are thrown as the client throws them.</summary>
    public async Task<OriginalJournal> ReadAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<OriginalJournalProblem>();
        var top = await _source.GetChildrenAsync("/", cancellationToken).ConfigureAwait(false)
            ?? throw new OriginalLayoutException("/", "the znode does not exist (is the chroot right?).");
        var names = top.Order(StringComparer.Ordinal).ToList();
        var lockNodes = names.Count(n => n.Contains("_lock", StringComparison.Ordinal));
        var txids = names.Where(n => n != HistoryNode && !n.Contains("_lock", StringComparison.Ordinal) && !(_skipZooKeeperNode && n == "zookeeper")).ToList();

        var live = await ReadLiveAsync(txids, problems, cancellationToken).ConfigureAwait(false);
        var history = names.Contains(HistoryNode)
            ? await ReadHistoryAsync(problems, cancellationToken).ConfigureAwait(false)
            : [];

        // Which copy of each (txid, step) the original read: live first, then history newest first, the first row of a
        // node first. `history` is oldest first.
        var winners = new HashSet<(string, string)>();
        var chosen = new HashSet<Candidate>(ReferenceEqualityComparer.Instance);
        var superseded = 0;
        foreach (var candidate in live.Concat(history.AsEnumerable().Reverse().SelectMany(n => n.Rows)))
        {
            if (winners.Add((candidate.Txid, candidate.Step)))
            {
                chosen.Add(candidate);
            }
            else
            {
                superseded++;
            }
        }

        var entries = history.SelectMany(n => n.Rows).Concat(live.OrderBy(c => c.CreatedZxid))
            .Where(chosen.Contains)
            .Select(c => new OriginalJournalEntry(c.Txid, c.Step, c.Message, c.Source, c.Origin))
            .ToList();
        return new OriginalJournal(entries, problems, Differences(live, history), superseded, lockNodes, history.Count);
    }

    private async Task<List<Candidate>> ReadLiveAsync(List<string> txids, List<OriginalJournalProblem> problems, CancellationToken cancellationToken)
    {
        var results = new (List<Candidate> Steps, List<OriginalJournalProblem> Problems)[txids.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, txids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await ReadRequestAsync(txids[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var result in results)
        {
            problems.AddRange(result.Problems);
        }

        return results.SelectMany(r => r.Steps).ToList();
    }

    private async Task<(List<Candidate>, List<OriginalJournalProblem>)> ReadRequestAsync(string txid, CancellationToken cancellationToken)
    {
        var steps = new List<Candidate>();
        var problems = new List<OriginalJournalProblem>();
        var path = "/" + txid;
        if (Refusal(txid, isTxid: true) is { } refused)
        {
            problems.Add(new(path, $"Cairn refuses this request id: {refused} (none of its steps is imported)"));
            return (steps, problems);
        }

        var names = await _source.GetChildrenAsync(path, cancellationToken).ConfigureAwait(false);
        foreach (var step in (names ?? []).Order(StringComparer.Ordinal))
        {
            var stepPath = path + "/" + step;
            if (Refusal(step, isTxid: false) is { } refusedStep)
            {
                problems.Add(new(stepPath, $"Cairn refuses this step name: {refusedStep}"));
                continue;
            }

            if (await _source.GetDataAsync(stepPath, cancellationToken).ConfigureAwait(false) is not { } node)
            {
                continue; // removed since the listing (folded meanwhile): the next import finds it in history
            }

            try
            {
                var message = ZLibData.Decompress(node.Data, MaxMessageBytes);
                CheckMessage(message);
                steps.Add(new Candidate(txid, step, message, OriginalJournalSource.Live, stepPath, node.CreatedZxid));
            }
            catch (InvalidDataException ex)
            {
                problems.Add(new(stepPath, Sentence(ex.Message)));
            }
        }

        return (steps, problems);
    }

    private async Task<List<HistoryNodeRows>> ReadHistoryAsync(List<OriginalJournalProblem> problems, CancellationToken cancellationToken)
    {
        var names = await _source.GetChildrenAsync("/" + HistoryNode, cancellationToken).ConfigureAwait(false) ?? [];
        var nodes = new List<(string Name, long Sequence)>();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (HistoryName().Match(name) is { Success: true } match && long.TryParse(match.Groups[1].Value, out var sequence))
            {
                nodes.Add((name, sequence));
            }
            else
            {
                problems.Add(new($"/{HistoryNode}/{name}", "not a history node of the original (sqlite-db#<sequence>); left out."));
            }
        }

        // Oldest first, by serial-number arithmetic on the 32-bit sequence as the original compared them (the counter
        // wraps to negative numbers after 2^31): each node's place is its distance from the first one, wrapped to 32 bits.
        var pivot = nodes.Count == 0 ? 0 : nodes[0].Sequence;
        nodes = [.. nodes.OrderBy(n => unchecked((int)(n.Sequence - pivot))).ThenBy(n => n.Name, StringComparer.Ordinal)];

        var results = new (HistoryNodeRows? Node, List<OriginalJournalProblem> Problems)[nodes.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, nodes.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(ReadParallelism, Environment.ProcessorCount), CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await ReadHistoryNodeAsync($"/{HistoryNode}/{nodes[i].Name}", ct).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var result in results)
        {
            problems.AddRange(result.Problems);
        }

        return results.Where(r => r.Node is not null).Select(r => r.Node!).ToList();
    }

    private async Task<(HistoryNodeRows?, List<OriginalJournalProblem>)> ReadHistoryNodeAsync(string path, CancellationToken cancellationToken)
    {
        var problems = new List<OriginalJournalProblem>();
        if (await _source.GetDataAsync(path, cancellationToken).ConfigureAwait(false) is not { } node)
        {
            return (null, problems); // removed since the listing (the original's cleanup)
        }

        JournalHistoryDump dump;
        int[] columns;
        try
        {
            var text = StrictUtf8.GetString(ZLibData.Decompress(node.Data, MaxHistoryBytes));
            dump = JournalHistoryDump.Parse(text);
            columns = HistoryRow.Indexes(dump);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
        {
            var reason = ex is DecoderFallbackException ? "its SQL text is not UTF-8." : ex.Message;
            problems.Add(new(path, $"{Sentence(reason)} None of its rows is imported."));
            return (null, problems);
        }

        var rows = new List<Candidate>(dump.Rows.Count);
        var id = dump.IndexOf("id");
        for (var r = 0; r < dump.Rows.Count; r++)
        {
            var row = dump.Rows[r];
            var origin = $"{path} row {r + 1}" + (id >= 0 && row[id] is SqlValue.Integer rowId ? $" (id {rowId.Value})" : "");
            try
            {
                var (txid, step, message) = HistoryRow.Map(columns, row);
                if ((Refusal(txid, isTxid: true) is { } refused ? $"Cairn refuses its request_id: {refused}"
                    : Refusal(step, isTxid: false) is { } refusedStep ? $"Cairn refuses its step: {refusedStep}"
                    : null) is { } why)
                {
                    problems.Add(new(origin, why));
                    continue;
                }

                CheckMessage(message);
                rows.Add(new Candidate(txid, step, message, OriginalJournalSource.History, origin, 0));
            }
            catch (InvalidDataException ex)
            {
                problems.Add(new(origin, Sentence(ex.Message)));
            }
        }

        // The folder wrote a node's rows in the order ZooKeeper listed the steps, which is no order at all: a request's
        // begin comes first and its commit or abort last, the other steps between them in the dump's order (stable, so the
        // first of two rows of one step stays first).
        var ordered = rows.Select((row, i) => (Row: row, Index: i)).OrderBy(r => LifecycleRank(r.Row.Step)).ThenBy(r => r.Index).Select(r => r.Row).ToList();
        return (new HistoryNodeRows(path, ordered), problems);
    }

    private static int LifecycleRank(string step) => step switch
    {
        JournalNames.Begin => 0,
        JournalNames.Commit or JournalNames.Abort => 2,
        _ => 1,
    };

    // The requests whose Cairn status (from all their steps) is not what the original answered (live first, then the
    // newest history node that has a begin, commit or abort of it).
    private static List<OriginalStatusDifference> Differences(List<Candidate> live, List<HistoryNodeRows> history)
    {
        var liveSteps = StepsByTxid(live);
        var nodeSteps = history.AsEnumerable().Reverse().Select(n => StepsByTxid(n.Rows)).ToList(); // newest first
        var all = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var steps in nodeSteps.Prepend(liveSteps))
        {
            foreach (var (txid, names) in steps)
            {
                if (!all.TryGetValue(txid, out var set))
                {
                    all[txid] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.UnionWith(names);
            }
        }

        var differences = new List<OriginalStatusDifference>();
        foreach (var (txid, steps) in all.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var original = liveSteps.TryGetValue(txid, out var liveOnes) ? State(liveOnes) : null;
            original ??= nodeSteps.Select(n => n.TryGetValue(txid, out var s) ? State(s) : null).FirstOrDefault(s => s is not null);
            original ??= "not found";
            var cairn = State(steps) ?? "not found";
            if (original != cairn)
            {
                differences.Add(new(txid, original, cairn));
            }
        }

        return differences;
    }

    private static Dictionary<string, HashSet<string>> StepsByTxid(IEnumerable<Candidate> candidates) =>
        candidates.GroupBy(c => c.Txid, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Step).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    // What a set of steps answers: a commit, else an abort, else a begin; null when none of them.
    private static string? State(HashSet<string> steps) =>
        steps.Contains(JournalNames.Commit) ? "committed"
        : steps.Contains(JournalNames.Abort) ? "aborted"
        : steps.Contains(JournalNames.Begin) ? "in-progress"
        : null;

    private static string? Refusal(string name, bool isTxid)
    {
        try
        {
            if (isTxid)
            {
                JournalNames.ValidateTxid(name);
            }
            else
            {
                JournalNames.ValidateStep(name);
            }

            return null;
        }
        catch (InvalidArgumentException ex)
        {
            return ex.Message.TrimEnd('.');
        }
    }

    // A message must be one the journal takes (the size is the server's to judge).
    private static void CheckMessage(byte[] message)
    {
        try
        {
            JournalMessages.Validate(message, int.MaxValue);
        }
        catch (InvalidArgumentException ex)
        {
            throw new InvalidDataException($"its message is not one the journal takes: {ex.Message}", ex);
        }
    }

    private static string Sentence(string reason) => reason.Length > 0 && char.IsLower(reason[0]) ? char.ToUpperInvariant(reason[0]) + reason[1..] : reason;

    [GeneratedRegex(@"^sqlite-db#(-?[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex HistoryName();

    // One copy of a step, from a live znode or a history row.
    private sealed record Candidate(string Txid, string Step, byte[] Message, OriginalJournalSource Source, string Origin, long CreatedZxid);

    // The readable rows of one history node.
    private sealed record HistoryNodeRows(string Path, List<Candidate> Rows);
}

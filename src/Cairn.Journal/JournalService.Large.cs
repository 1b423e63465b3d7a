using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Journal;

public sealed partial class JournalService
{
    /// <summary>
    /// Appends an entry whose encoding is larger than <see cref="JournalOptions.InlineThreshold"/>: the encoding goes to
    /// the large-message store under a new name and the step key holds a pointer to it. In this order, each durable
    /// before the next: a pending record (<see cref="PendingMessages"/>), the content, then the step's transaction,
    /// which deletes the record. A crash leaves at most a content with its record, which the archiver removes.
    /// </summary>
    private async Task<AppendResult> WriteLargeAsync(JournalEntry entry, byte[] encoded, CancellationToken cancellationToken)
    {
        // First write wins: when the step is there already, a repeat stores nothing at all.
        var look = await _store.TxnAsync(
            new TxnRequest(
                [],
                [
                    new RangeRequest(KeyRange.Single(JournalKeys.Step(entry.Txid, entry.Step))),
                    new RangeRequest(KeyRange.Single(JournalKeys.Archived(entry.Txid))) { KeysOnly = true },
                ],
                []),
            cancellationToken).ConfigureAwait(false);
        if (await ExistingAsync(entry, ((RangeResult)look.Results[0]).Kvs, ((RangeResult)look.Results[1]).Kvs.Count > 0, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var id = Guid.NewGuid().ToString("N");
        // The name is short and of one length whatever the txid (the content says whose entry it is).
        var large = new LargeMessageRef("journal/" + id, encoded.Length, JournalCodec.DecompressedLength(encoded));
        var pending = await PendingMessages.TryRecordAsync(_store, id, large.Name, _options.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The large-message id {id} is taken.");
        AppendResult? result;
        try
        {
            await StoreContentAsync(entry, large, encoded, cancellationToken).ConfigureAwait(false);
            result = await CommitAsync(entry, JournalCodec.EncodePointer(entry, large), encoded.Length, pending, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whether the step was committed is not known for every failure (a lost answer may hide a success): the
            // release removes the content only if the record shows that no step took it.
            await ReleaseQuietlyAsync(pending, ex.Message).ConfigureAwait(false);
            throw;
        }

        if (result is null)
        {
            // The archiver took the record for one left by a crash (the append was that slow) and removed it, maybe
            // before the content was even stored: record it again, so that it is removed once more, now or later.
            if (await PendingMessages.TryRecordAsync(_store, id, large.Name, _options.Time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false) is { } again)
            {
                await ReleaseQuietlyAsync(again, "its record was taken while the append waited").ConfigureAwait(false);
            }

            throw new UnavailableException(
                $"Could not append {entry.Txid}/{entry.Step}: its large message was taken for one left by a crash while the append waited; send it again.");
        }

        if (!result.Created)
        {
            // Another writer's step won (first write wins): this content belongs to nobody.
            await ReleaseQuietlyAsync(pending, "another writer's step was first").ConfigureAwait(false);
        }

        return result;
    }

    private async Task StoreContentAsync(JournalEntry entry, LargeMessageRef large, byte[] encoded, CancellationToken cancellationToken)
    {
        try
        {
            await _large!.PutAsync(large.Name, encoded, cancellationToken).ConfigureAwait(false);
        }
        catch (LimitExceededException ex) when (ex.What == "blob")
        {
            throw new LimitExceededException(
                "message",
                entry.Message.Length,
                ex.Limit,
                $"The message is {entry.Message.Length} bytes ({encoded.Length} compressed), more than Volumes takes ({ex.Limit} bytes, Volumes:MaxBlobBytes); send a smaller message or raise the limit.");
        }
    }

    // Removes a content no step took, now; when that fails the record stays, and the archiver removes it later.
    private async Task ReleaseQuietlyAsync(PendingMessage pending, string why)
    {
        try
        {
            await PendingMessages.ReleaseAsync(_store, _large!, pending, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever failed, the append's own outcome is what its caller needs; the record says what is left to do.
            LogReleaseDeferred(_logger, pending.Name, why, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Large journal message {Name} is not a step's ({Why}) and could not be removed yet ({Reason}); the archiver removes it later")]
    private static partial void LogReleaseDeferred(ILogger logger, string name, string why, string reason);
}

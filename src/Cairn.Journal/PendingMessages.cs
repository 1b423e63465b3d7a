using System.Text.Json;
using Cairn.Core;

namespace Cairn.Journal;

/// <summary>
/// The records of large messages that no step owns (<see cref="JournalKeys.Pending"/>): what makes a crash between
/// storing a content and committing its step leave nothing that is not found again.
/// </summary>
/// <remarks>
/// A record is written before its content is stored. The transaction that commits the step pointing to the content
/// deletes the record, under a compare on the record's mod revision. Removing a content that no step took is a claim
/// first (the record rewritten under a compare, so a commit still waiting on it fails from then on), then the
/// content, then the record: killed anywhere, the record is still there and the removal is done again.
/// </remarks>
internal static class PendingMessages
{
    /// <summary>Writes the record of content <paramref name="name"/> under <paramref name="id"/>, durably; null when a
    /// record of that id exists (someone else is dealing with it).</summary>
    public static async Task<PendingMessage?> TryRecordAsync(IKeyspace store, string id, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = JournalKeys.PendingMessage(id);
        var value = JsonSerializer.SerializeToUtf8Bytes(new Stored(name, now.ToUnixTimeMilliseconds()), JournalCodec.Options);
        var txn = await store.TxnAsync(
            new TxnRequest([Compare.CreateRevision(key, CompareResult.Equal, 0)], [new PutRequest(key, value)], []),
            cancellationToken).ConfigureAwait(false);
        return txn.Succeeded ? new PendingMessage(key, name, now, value, txn.Revision) : null;
    }

    /// <summary>The record in <paramref name="kv"/>, or null when it is not one (left alone).</summary>
    public static PendingMessage? Decode(KeyValue kv)
    {
        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(kv.Value.Span, JournalCodec.Options);
            return stored is { Name.Length: > 0 }
                ? new PendingMessage(kv.Key, stored.Name, DateTimeOffset.FromUnixTimeMilliseconds(stored.At), kv.Value.ToArray(), kv.ModRevision)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the content of <paramref name="pending"/> and its record, unless a step took it (or someone else is
    /// removing it) since the record was read at its revision; true when this call removed it.
    /// </summary>
    public static async Task<bool> ReleaseAsync(IKeyspace store, ILargeMessageStore large, PendingMessage pending, CancellationToken cancellationToken)
    {
        var claim = await store.TxnAsync(
            new TxnRequest([Compare.ModRevision(pending.Key, CompareResult.Equal, pending.Revision)], [new PutRequest(pending.Key, pending.Value)], []),
            cancellationToken).ConfigureAwait(false);
        if (!claim.Succeeded)
        {
            return false;
        }

        await large.DeleteAsync(pending.Name, cancellationToken).ConfigureAwait(false);
        await store.TxnAsync(
            new TxnRequest([Compare.ModRevision(pending.Key, CompareResult.Equal, claim.Revision)], [new DeleteRequest(KeyRange.Single(pending.Key))], []),
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    private sealed record Stored(string Name, long At);
}

/// <summary>A pending record as read or written.</summary>
/// <param name="Key">Its key.</param>
/// <param name="Name">The content it stands for.</param>
/// <param name="At">When it was written.</param>
/// <param name="Value">Its stored value.</param>
/// <param name="Revision">Its mod revision.</param>
internal sealed record PendingMessage(string Key, string Name, DateTimeOffset At, byte[] Value, long Revision);

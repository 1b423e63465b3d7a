using Cairn.Core;

namespace Cairn.Journal;

/// <summary>Reads the message of an entry whose encoding is in the large-message store (a step key or a history
/// segment holds only a pointer to it).</summary>
internal static class LargeMessages
{
    /// <summary>
    /// <paramref name="entry"/> with its message: the entry itself when it holds it, else read from
    /// <paramref name="store"/> into one buffer of the message's size. Null when the content is not there (retention
    /// removed it, or someone removed it from outside the journal): the caller knows which it can be.
    /// </summary>
    /// <exception cref="UnavailableException">The entry is in the large-message store and this journal has none
    /// (Volumes is off on this node).</exception>
    /// <exception cref="CorruptException">The content is not the entry it should be.</exception>
    public static async Task<JournalEntry?> ReadAsync(ILargeMessageStore? store, JournalEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Large is not { } large)
        {
            return entry;
        }

        if (store is null)
        {
            throw new UnavailableException(
                $"The message of {entry.Txid}/{entry.Step} is kept in Volumes ('{large.Name}'), which is not enabled on this node; enable Volumes (Volumes:Enabled) to read it.");
        }

        var content = await store.OpenReadAsync(large.Name, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        await using (content.ConfigureAwait(false))
        {
            try
            {
                return await JournalCodec.ReadLargeAsync(content, entry, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new CorruptException($"The message of {entry.Txid}/{entry.Step} cannot be read: {ex.Message}");
            }
        }
    }

    /// <summary>The large-message contents <paramref name="steps"/> point to.</summary>
    public static IEnumerable<string> NamesOf(IEnumerable<JournalEntry> steps) =>
        steps.Select(s => s.Large?.Name).OfType<string>();
}

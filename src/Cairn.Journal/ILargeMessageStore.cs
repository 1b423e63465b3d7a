namespace Cairn.Journal;

/// <summary>
/// Where the journal keeps entries too large for the keyspace (over <see cref="JournalOptions.InlineThreshold"/>
/// compressed): the server gives it the Volumes blob store. The step key then holds a small pointer to the content.
/// Names are the journal's own (<c>journal/&lt;id&gt;</c>, 40 characters), each used for one content only;
/// an implementation keeps them apart from anything its users can name, list or change.
/// </summary>
/// <remarks>
/// Concurrency: every member may be called from any thread, at once. The journal decides what a content belongs to
/// (through records in the keyspace) and when it may go; the store only keeps bytes.
/// </remarks>
public interface ILargeMessageStore
{
    /// <summary>Stores <paramref name="content"/> under <paramref name="name"/> and returns once it is durable.</summary>
    /// <exception cref="Cairn.Core.InsufficientStorageException">There is no room for it (transient).</exception>
    /// <exception cref="Cairn.Core.LimitExceededException">It is larger than the store takes.</exception>
    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Opens <paramref name="name"/> for reading, or null when there is no such content. The stream checks the
    /// bytes as they come (a mismatch fails the read) and is the caller's to dispose.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="name"/>; false when it was not there (so removing twice is harmless).</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken);
}

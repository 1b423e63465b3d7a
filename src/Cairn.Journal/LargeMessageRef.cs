namespace Cairn.Journal;

/// <summary>
/// An entry kept in the <see cref="ILargeMessageStore"/> rather than in its step key: the content's name, its stored
/// size (the encoded entry, gzip, exactly what the step key would have held) and the length of its JSON once
/// decompressed, so that a read allocates the message once, at its size.
/// </summary>
/// <param name="Name">The content's name in the large-message store.</param>
/// <param name="Bytes">The stored (compressed) size.</param>
/// <param name="Length">The decompressed JSON length.</param>
internal sealed record LargeMessageRef(string Name, long Bytes, int Length);

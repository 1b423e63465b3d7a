namespace Cairn.Carts.Archives;

/// <summary>
/// Where a cart's files come from, by id. The pipeline asks the archive to stage a file (bring it back from tape), polls
/// its status until it is on disk there (with backoff, up to <see cref="CartOptions.StageTimeout"/>), then reads it, in
/// ranges when <see cref="SupportsRange"/> so that a cut transfer resumes where it stopped.
/// </summary>
/// <remarks>Calls throw <see cref="CartArchiveException"/>: <see cref="ArchiveFailure.Transient"/> is retried with backoff,
/// the others fail the file at once.</remarks>
public interface ICartArchive
{
    /// <summary>The archive's name, as a cart names it (<c>pacifica</c>, <c>directory</c>, <c>blobs</c>).</summary>
    string Name { get; }

    /// <summary>Whether <see cref="OpenReadAsync"/> honours an offset (a cut transfer resumes) rather than starting over.</summary>
    bool SupportsRange { get; }

    /// <summary>Asks the archive to bring <paramref name="fileId"/> to its disk (a no-op where every file is on disk).</summary>
    Task StageAsync(string fileId, CancellationToken cancellationToken);

    /// <summary>The file's size, mtime and where it is now.</summary>
    Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken);

    /// <summary>The file's bytes from <paramref name="offset"/> to its end (<paramref name="length"/> of them), streamed.</summary>
    Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken);
}

/// <summary>What an archive says of a file.</summary>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Modified">Its modification time (the tar member's mtime).</param>
/// <param name="Media">Where it is, in the archive's words (<c>disk</c>, <c>tape</c>).</param>
/// <param name="OnDisk">True when it can be read now.</param>
/// <param name="Sha256">Its SHA-256 (lower-case hex) when the archive knows it (Cairn's blobs); then it is checked too.</param>
public sealed record ArchiveFileStatus(long Size, DateTimeOffset Modified, string Media, bool OnDisk, string? Sha256 = null);

/// <summary>How an archive call failed.</summary>
public enum ArchiveFailure
{
    /// <summary>May work if tried again: the archive is unreachable, answered 5xx, or a transfer was cut.</summary>
    Transient,

    /// <summary>The archive has no such file.</summary>
    NotFound,

    /// <summary>Any other refusal (bad id, malformed answer): trying again will not help.</summary>
    Failed,
}

/// <summary>An archive call failed; <see cref="Exception.Message"/> is what the file's error will quote.</summary>
public sealed class CartArchiveException(ArchiveFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How it failed.</summary>
    public ArchiveFailure Failure { get; } = failure;
}

namespace Cairn.Carts.Archives;

/// <summary>
/// A POSIX directory as an archive: a file's id is its path relative to the root. Every file is on disk. An id that is
/// absolute, has a <c>..</c> segment, a NUL, or resolves (through symbolic links) outside the root is
/// <see cref="ArchiveFailure.NotFound"/>-refused the same way as a missing file, so ids cannot probe the rest of the
/// machine; only regular files are read.
/// </summary>
public sealed class DirectoryArchive : ICartArchive
{
    /// <summary>An archive of the files under <paramref name="root"/> (which must exist).</summary>
    public DirectoryArchive(string root, string name = "directory") => throw new NotImplementedException();

    /// <inheritdoc />
    public string Name => throw new NotImplementedException();

    /// <inheritdoc />
    public bool SupportsRange => true;

    /// <inheritdoc />
    public Task StageAsync(string fileId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken) => throw new NotImplementedException();
}

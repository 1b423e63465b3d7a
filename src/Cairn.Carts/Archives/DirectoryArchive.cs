namespace Cairn.Carts.Archives;

/// <summary>
/// A POSIX directory as an archive: a file's id is its path relative to the root. Every file is on disk. An id that is
/// absolute, has a <c>..</c> segment, a NUL, or resolves (through symbolic links) outside the root is
/// <see cref="ArchiveFailure.NotFound"/>-refused the same way as a missing file, so ids cannot probe the rest of the
/// machine; only regular files are read.
/// </summary>
/// <remarks>Ids are resolved component by component (every symbolic link followed, as <c>realpath</c> does) on each
/// call, and the file is opened by its resolved path. A FIFO or device under the root reports a length of 0 and is
/// never opened (nothing is read from a file of length 0), so one cannot block or feed a transfer.</remarks>
public sealed class DirectoryArchive : ICartArchive
{
    private const int MaxLinks = 40;

    private readonly string _root;

    /// <summary>An archive of the files under <paramref name="root"/> (which must exist).</summary>
    public DirectoryArchive(string root, string name = "directory")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var real = RealPath(Path.GetFullPath(root));
        _root = real is not null && Directory.Exists(real)
            ? real
            : throw new DirectoryNotFoundException($"The archive directory '{root}' does not exist.");
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool SupportsRange => true;

    /// <inheritdoc />
    public Task StageAsync(string fileId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _ = Resolve(fileId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = Resolve(fileId);
        return Task.FromResult(new ArchiveFileStatus(file.Length, new DateTimeOffset(file.LastWriteTimeUtc), "disk", OnDisk: true));
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var file = Resolve(fileId);
        if (file.Length < offset + length)
        {
            throw new CartArchiveException(
                ArchiveFailure.Failed,
                $"File '{CartPaths.Escape(fileId)}' holds {file.Length} bytes; bytes {offset} to {offset + length} were asked for.");
        }

        if (length == 0)
        {
            return Task.FromResult<Stream>(new MemoryStream([], writable: false));
        }

        FileStream stream;
        try
        {
            stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(fileId);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CartArchiveException(ArchiveFailure.Failed, $"File '{CartPaths.Escape(fileId)}' cannot be read: permission denied.", e);
        }
        catch (IOException e)
        {
            throw new CartArchiveException(ArchiveFailure.Transient, $"File '{CartPaths.Escape(fileId)}' cannot be opened: {e.Message}", e);
        }

        stream.Position = offset;
        return Task.FromResult<Stream>(new BoundedReadStream(stream, length, $"File '{CartPaths.Escape(fileId)}'"));
    }

    /// <summary>The regular file <paramref name="fileId"/> names under the root, all links resolved.</summary>
    /// <exception cref="CartArchiveException">NotFound: the id is unsafe, the file is missing, outside the root or not a file.</exception>
    private FileInfo Resolve(string fileId)
    {
        if (string.IsNullOrEmpty(fileId) || fileId.Contains('\0', StringComparison.Ordinal) || fileId[0] == '/'
            || fileId.Split('/').Contains(".."))
        {
            throw NotFound(fileId ?? string.Empty);
        }

        var real = RealPath(Path.Join(_root, fileId));
        if (real is null || !real.StartsWith(_root + "/", StringComparison.Ordinal))
        {
            throw NotFound(fileId);
        }

        var file = new FileInfo(real);
        return file.Exists && file.LinkTarget is null ? file : throw NotFound(fileId);
    }

    private static CartArchiveException NotFound(string fileId) =>
        new(ArchiveFailure.NotFound, $"No such file '{CartPaths.Escape(fileId)}'");

    /// <summary>
    /// <paramref name="path"/> (absolute) with every symbolic link of every component followed, <c>.</c> and <c>..</c>
    /// applied after links as the kernel does; null when a component is missing or links loop.
    /// </summary>
    internal static string? RealPath(string path)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        var current = "/";
        var links = 0;
        while (pending.TryPop(out var component))
        {
            if (component is "" or ".")
            {
                continue;
            }

            if (component == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var next = Path.Join(current, component);
            FileSystemInfo info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    return null;
                }

                if (Path.IsPathRooted(target))
                {
                    current = "/";
                }

                Push(pending, target);
                continue;
            }

            if (!info.Exists && !Directory.Exists(next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}

namespace Cairn.Testing.Archive;

/// <summary>One file of the archive: its bytes (in memory, or a file on disk) and its test controls. Guarded by the
/// server's lock.</summary>
internal sealed class ArchivedFile(byte[]? data, string? path, long length, DateTimeOffset modified, DateTimeOffset changed)
{
    public byte[]? Data { get; } = data;

    /// <summary>Where the bytes are when they are not in memory.</summary>
    public string? Path { get; } = path;

    public long Length { get; } = length;

    public DateTimeOffset Modified { get; } = modified;

    public DateTimeOffset Changed { get; } = changed;

    /// <summary>Set by <see cref="PacificaArchiveServer.SetTape"/>: the file is on tape until staged.</summary>
    public bool OnTape { get; set; }

    /// <summary>Whether a stage request came since the file went to tape.</summary>
    public bool Staged { get; set; }

    /// <summary>Status calls that still report tape once staged (<see cref="int.MaxValue"/>: forever).</summary>
    public int TapePolls { get; set; }

    /// <summary>What status calls give as <c>X-Content-Length</c> instead of <see cref="Length"/> (set by
    /// <see cref="PacificaArchiveServer.ReportSize"/>), e.g. a size past any disk.</summary>
    public string? ReportedSize { get; set; }

    /// <summary>Whether a read finds the file on disk now.</summary>
    public bool OnDisk => !OnTape || (Staged && TapePolls == 0);

    public Stream OpenRead() => Data is not null
        ? new MemoryStream(Data, writable: false)
        : new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
}

/// <summary>What the server has seen of one id, and the failures still to inject for it.</summary>
internal sealed class IdCounters
{
    public int Status;
    public int Stage;
    public int Get;
    public long BytesServed;
    public int StatusFailures;
    public int GetFailures;
    public long GetFailureAfter;
}

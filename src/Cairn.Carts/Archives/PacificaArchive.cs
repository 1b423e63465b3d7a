namespace Cairn.Carts.Archives;

/// <summary>
/// The Pacifica archive interface over HTTP (<c>ARCHIVE_INTERFACE_URL</c>): <c>POST /&lt;id&gt;</c> stages a file,
/// <c>HEAD /&lt;id&gt;</c> tells its status in headers (<c>X-Pacifica-Messsage</c> — sic, three s —,
/// <c>X-Content-Length</c>, <c>Last-Modified</c> as float seconds since the epoch, <c>X-Pacifica-Ctime</c>,
/// <c>X-Pacifica-Bytes-Per-Level</c>, <c>X-Pacifica-File-Storage-Media</c>), <c>GET /&lt;id&gt;?byte_range=start-end</c>
/// (end exclusive) reads it. Ids are URL-encoded as one path segment. Connection failures, timeouts and 5xx are
/// <see cref="ArchiveFailure.Transient"/>; 404 is <see cref="ArchiveFailure.NotFound"/>; a status without its headers
/// or with unreadable ones is <see cref="ArchiveFailure.Failed"/>.
/// </summary>
public sealed class PacificaArchive : ICartArchive
{
    /// <summary>An archive at <paramref name="baseUrl"/> (a trailing <c>/</c> is added when missing) through
    /// <paramref name="http"/>, which the caller owns; <paramref name="requestTimeout"/> bounds each call's headers.</summary>
    public PacificaArchive(HttpClient http, Uri baseUrl, TimeSpan requestTimeout, string name = "pacifica") => throw new NotImplementedException();

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

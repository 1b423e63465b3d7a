using System.IO.Pipelines;
using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// Cairn's own blobs as archive <c>blobs</c>: a file's id is a blob key. Every blob is on disk (here or on another node,
/// which <see cref="BlobStore"/> reads from); its SHA-256 is known, so the pipeline checks it even when the cart gave no
/// hash. Keys under Cairn's reserved prefix (the journal's large messages) are refused as missing, as the blob APIs
/// refuse them.
/// </summary>
internal sealed class BlobCartArchive(BlobStore blobs) : ICartArchive
{
    public string Name => "blobs";

    public bool SupportsRange => true;

    public async Task StageAsync(string fileId, CancellationToken cancellationToken) =>
        _ = await InfoAsync(fileId, cancellationToken).ConfigureAwait(false);

    public async Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken)
    {
        var info = await InfoAsync(fileId, cancellationToken).ConfigureAwait(false);
        return new ArchiveFileStatus(info.Size, info.Created, "disk", OnDisk: true, info.Sha256);
    }

    public async Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken)
    {
        CheckKey(fileId);
        BlobReader? reader;
        try
        {
            reader = await blobs.OpenReadAsync(fileId, cancellationToken).ConfigureAwait(false);
        }
        catch (CairnException ex)
        {
            throw Failure(ex);
        }

        if (reader is null)
        {
            throw new CartArchiveException(ArchiveFailure.NotFound, $"No blob '{fileId}'.");
        }

        if (offset < 0 || length < 0 || offset + length > reader.Info.Size)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw new CartArchiveException(ArchiveFailure.Failed, $"Blob '{fileId}' has {reader.Info.Size} bytes; bytes {offset}+{length} were asked for (it changed since its status was read).");
        }

        // The reader copies into a pipe as the pipeline reads from it: a bounded buffer, whatever the blob's size.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var copy = CopyAsync(reader, pipe.Writer, offset, length, cancellationToken);
        return new PipeReadStream(pipe.Reader, copy);
    }

    private static async Task CopyAsync(BlobReader reader, PipeWriter writer, long offset, long length, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Exception? failure = null;
        try
        {
            await using (reader.ConfigureAwait(false))
            {
                await reader.CopyToAsync(writer.AsStream(leaveOpen: true), offset, length, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            failure = ex is CairnException cairn ? Failure(cairn) : new CartArchiveException(ArchiveFailure.Transient, $"Reading the blob failed: {ex.Message}", ex);
        }

        await writer.CompleteAsync(failure).ConfigureAwait(false);
    }

    private async Task<BlobInfo> InfoAsync(string fileId, CancellationToken cancellationToken)
    {
        CheckKey(fileId);
        try
        {
            return await blobs.GetInfoAsync(fileId, cancellationToken).ConfigureAwait(false)
                ?? throw new CartArchiveException(ArchiveFailure.NotFound, $"No blob '{fileId}'.");
        }
        catch (CairnException ex)
        {
            throw Failure(ex);
        }
    }

    private static void CheckKey(string fileId)
    {
        try
        {
            BlobNames.ValidateKey(fileId);
        }
        catch (CairnException ex)
        {
            throw new CartArchiveException(ArchiveFailure.NotFound, $"'{fileId}' is not a blob key: {ex.Message}");
        }

        if (BlobNames.IsReserved(fileId))
        {
            throw new CartArchiveException(ArchiveFailure.NotFound, $"No blob '{fileId}' (keys under '{BlobNames.ReservedPrefix}' are Cairn's own).");
        }
    }

    private static CartArchiveException Failure(CairnException ex) =>
        new(ex.IsTransient || ex is UnavailableException ? ArchiveFailure.Transient : ArchiveFailure.Failed, ex.Message, ex);

    /// <summary>The reading end of the pipe; disposing it stops the copy.</summary>
    private sealed class PipeReadStream(PipeReader reader, Task copy) : Stream
    {
        private readonly Stream _inner = reader.AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            // Completing the reader makes the writer's next flush fail, which ends the copy.
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await copy.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
            {
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Complete();
            }

            base.Dispose(disposing);
        }
    }
}

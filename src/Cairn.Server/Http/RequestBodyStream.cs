using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Http;

/// <summary>
/// The request body, with its read failures marked as the client's. Kestrel reports most malformed bodies as a
/// <see cref="BadHttpRequestException"/>, but a chunk size that overflows (<c>FFFFFFFFFFFFFFFFFF</c>) as a plain
/// <see cref="IOException"/> ("Bad chunk size data"), and a connection that breaks mid-body as one too: indistinguishable,
/// in the error map, from a disk's <see cref="IOException"/>. Any other <see cref="IOException"/> from reading the body
/// becomes a 400 <see cref="BadHttpRequestException"/> here, where it is still known to come from the client; Kestrel's
/// own (an <see cref="IOException"/> too) pass unchanged, with their status (413 for a body over the limit).
/// </summary>
internal sealed class RequestBodyStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> read;
        try
        {
            read = inner.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            throw Unreadable(ex);
        }

        // The common case, data already buffered, costs no state machine.
        return read.IsCompletedSuccessfully ? read : AwaitAsync(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            throw Unreadable(ex);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static async ValueTask<int> AwaitAsync(ValueTask<int> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            throw Unreadable(ex);
        }
    }

    private static BadHttpRequestException Unreadable(IOException ex) =>
        new($"The request body could not be read: {ex.Message} Send a well-formed body (valid chunked encoding, or a Content-Length).", StatusCodes.Status400BadRequest, ex);
}

using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Cairn.Contracts;
using Cairn.Journal;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// The journal's large messages as Volumes blobs, under <see cref="BlobNames.ReservedPrefix"/> (so <c>/v1/blobs</c>
/// and the Pulzar API neither show nor touch them): the journal's name <c>journal/&lt;id&gt;</c> is blob
/// <c>.cairn/journal/&lt;id&gt;</c>. Each is a volume file (never inline in the keyspace), fsynced with its metadata
/// committed before <see cref="PutAsync"/> returns; any node reads it, fetching the body from the node that holds it.
/// </summary>
internal sealed class VolumeMessageStore(BlobStore blobs) : ILargeMessageStore
{
    // Enough to keep a volume read going while the journal decompresses; a reader that stops reading stops the pump.
    private static readonly PipeOptions Buffering = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024);

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // Read in place: the journal's encoding is an array already.
        using var body = MemoryMarshal.TryGetArray(content, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        await blobs.PutAsync(
            KeyOf(name),
            body,
            new BlobPutOptions { IfAbsent = true, ForceFile = true, ExpectedLength = content.Length, ContentType = "application/gzip" },
            cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>A blob reader pushes its (checked) bytes into a stream; the journal pulls them through a decompressor.
    /// A pipe joins the two, so the body is never held whole: its bytes go from the volume (or the holding node) to the
    /// journal's one buffer of the message.</remarks>
    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var reader = await blobs.OpenReadAsync(KeyOf(name), cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        var pipe = new Pipe(Buffering);
        _ = PumpAsync(reader, pipe.Writer, cancellationToken);
        return pipe.Reader.AsStream();
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        blobs.DeleteAsync(KeyOf(name), cancellationToken: cancellationToken);

    private static string KeyOf(string name) => BlobNames.ReservedPrefix + name;

    // Copies the body into the pipe and completes it, with the failure if there is one (the reader then sees it); a
    // reader that went away completes the pipe from its side, and the copy ends.
    private static async Task PumpAsync(BlobReader reader, PipeWriter writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await using var sink = writer.AsStream(leaveOpen: true);
            await reader.CopyToAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = ex;
        }
        finally
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            await writer.CompleteAsync(failure).ConfigureAwait(false);
        }
    }
}

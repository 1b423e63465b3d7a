using Microsoft.Win32.SafeHandles;

namespace Cairn.Carts.Tar;

/// <summary>
/// A read-only, seekable view of a <see cref="CartTarLayout"/>: headers written again when reached, file bytes read
/// with positional reads from the source (opened when its member is reached, closed when the read leaves it), zero
/// padding and trailer. Nothing is buffered beyond the current member's header; the data path allocates nothing.
/// </summary>
internal sealed class CartTarStream(CartTarLayout layout) : Stream
{
    private long _position;
    private int _headerMember = -1;
    private byte[] _header = [];
    private int _sourceMember = -1;
    private SafeFileHandle? _source;
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed;

    public override bool CanWrite => false;

    public override long Length => layout.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => layout.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException("Cannot seek before the beginning of the tar.");
        }

        return _position = target;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _position >= layout.Length)
        {
            return 0;
        }

        var n = _position >= layout.TrailerOffset ? Zeros(buffer, layout.Length - _position) : ReadMember(buffer);
        _position += n;
        return n;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty || _position >= layout.Length)
        {
            return 0;
        }

        var n = _position >= layout.TrailerOffset
            ? Zeros(buffer.Span, layout.Length - _position)
            : await ReadMemberAsync(buffer, cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A cart's tar is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A cart's tar is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            CloseSource();
        }

        base.Dispose(disposing);
    }

    private static int Zeros(Span<byte> buffer, long available)
    {
        var n = (int)Math.Min(buffer.Length, available);
        buffer[..n].Clear();
        return n;
    }

    private int ReadMember(Span<byte> buffer)
    {
        var index = layout.MemberAt(_position);
        var member = layout.Members[index];
        var within = _position - member.Offset;
        if (within < member.HeaderLength)
        {
            return CopyHeader(index, member, (int)within, buffer);
        }

        var intoData = within - member.HeaderLength;
        if (intoData >= member.Size)
        {
            CloseSource();
            return Zeros(buffer, member.End - _position);
        }

        var (handle, fileOffset, count) = Source(index, member, intoData, buffer.Length);
        var read = RandomAccess.Read(handle, buffer[..count], fileOffset);
        return Checked(read, index);
    }

    private async ValueTask<int> ReadMemberAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var index = layout.MemberAt(_position);
        var member = layout.Members[index];
        var intoData = _position - member.Offset - member.HeaderLength;
        if (intoData < 0 || intoData >= member.Size)
        {
            return ReadMember(buffer.Span);
        }

        var (handle, fileOffset, count) = Source(index, member, intoData, buffer.Length);
        var read = await RandomAccess.ReadAsync(handle, buffer[..count], fileOffset, cancellationToken).ConfigureAwait(false);
        return Checked(read, index);
    }

    private int CopyHeader(int index, TarMember member, int within, Span<byte> buffer)
    {
        if (_headerMember != index)
        {
            _header = member.Header();
            _headerMember = index;
        }

        var n = Math.Min(buffer.Length, _header.Length - within);
        _header.AsSpan(within, n).CopyTo(buffer);
        return n;
    }

    private (SafeFileHandle Handle, long FileOffset, int Count) Source(int index, TarMember member, long intoData, int wanted)
    {
        var entry = layout.Entries[member.EntryIndex];
        if (_sourceMember != index || _source is null)
        {
            CloseSource();
            _source = OpenSource(entry);
            _sourceMember = index;
        }

        return (_source, entry.SourceOffset + intoData, (int)Math.Min(wanted, member.Size - intoData));
    }

    private int Checked(int read, int index)
    {
        if (read > 0)
        {
            return read;
        }

        var entry = layout.Entries[layout.Members[index].EntryIndex];
        CloseSource();
        throw new IOException(
            $"The cart's file '{entry.SourceFile}' ended before the {entry.Size} bytes from offset {entry.SourceOffset} of tar member '{entry.Path}'; it was truncated.");
    }

    private static SafeFileHandle OpenSource(CartTarEntry entry)
    {
        var info = new FileInfo(entry.SourceFile);
        if (info.LinkTarget is not null)
        {
            throw new IOException($"The cart's file '{entry.SourceFile}' is a symbolic link; it is not served.");
        }

        if (!info.Exists)
        {
            throw new IOException($"The cart's file '{entry.SourceFile}' is missing or not a regular file.");
        }

        // A FIFO or device reports length 0, so this also keeps the open below from blocking on one.
        var needed = entry.SourceOffset + entry.Size;
        if (info.Length < needed)
        {
            throw new IOException($"The cart's file '{entry.SourceFile}' holds {info.Length} bytes; {needed} are needed for tar member '{entry.Path}'.");
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(entry.SourceFile, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new IOException($"The cart's file '{entry.SourceFile}' cannot be opened: {e.Message}", e);
        }

        if (RandomAccess.GetLength(handle) < needed)
        {
            handle.Dispose();
            throw new IOException($"The cart's file '{entry.SourceFile}' is shorter than the {needed} bytes needed for tar member '{entry.Path}'.");
        }

        return handle;
    }

    private void CloseSource()
    {
        _source?.Dispose();
        _source = null;
        _sourceMember = -1;
    }
}

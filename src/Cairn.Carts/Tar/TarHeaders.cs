using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace Cairn.Carts.Tar;

/// <summary>
/// The header bytes System.Formats.Tar writes for one member (its PAX extended-attributes entry and its ustar header),
/// without the member's data: the entry is written with a stand-in data stream of the right length that hands out
/// counts without filling anything, into a sink that keeps only the first bytes.
/// </summary>
internal static class TarHeaders
{
    public const int Block = 512;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    // A PAX header of a path of 4096 bytes with its times is well under this.
    private const int MaxHeader = 16 * Block;

    /// <summary>Zero padding after <paramref name="size"/> bytes of data, to the next block.</summary>
    public static int Padding(long size) => (int)((Block - (size % Block)) % Block);

    /// <summary>The header bytes of a member called <paramref name="name"/> (a directory's ends with <c>/</c>).</summary>
    public static byte[] Write(string name, bool directory, long size, DateTimeOffset modified)
    {
        // Every time is the member's own and every owner field fixed, so the bytes depend on the cart alone (a PAX
        // entry made without attributes would take atime/ctime from the clock).
        var time = PaxTime(modified);
        var entry = new PaxTarEntry(
            directory ? TarEntryType.Directory : TarEntryType.RegularFile,
            name,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["mtime"] = time, ["atime"] = time, ["ctime"] = time })
        {
            ModificationTime = modified,
            Mode = directory ? DirectoryMode : FileMode,
            Uid = 0,
            Gid = 0,
        };

        using var data = size > 0 ? new PhantomData(size) : null;
        if (data is not null)
        {
            entry.DataStream = data;
        }
        var sink = new HeaderSink();
        using (var writer = new TarWriter(sink, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(entry);
            var headerLength = sink.Total - size - Padding(size);
            if (headerLength <= 0 || headerLength > MaxHeader || headerLength % Block != 0)
            {
                throw new InvalidOperationException($"System.Formats.Tar wrote an unexpected header of {headerLength} bytes for '{name}'.");
            }

            var header = sink.Captured[..(int)headerLength].ToArray();
            FixExtendedHeaderName(header, name);
            return header;
        }
    }

    /// <summary>PAX time: seconds since the epoch with the fraction when there is one.</summary>
    public static string PaxTime(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var sign = ticks < 0 ? "-" : string.Empty;
        var magnitude = ticks < 0 ? -(decimal)ticks : ticks;
        var seconds = decimal.Truncate(magnitude / TimeSpan.TicksPerSecond);
        var fraction = (long)(magnitude - (seconds * TimeSpan.TicksPerSecond));
        return fraction == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{seconds}")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{seconds}.{fraction:D7}").TrimEnd('0');
    }

    /// <summary>
    /// System.Formats.Tar names the extended-attributes entry <c>PaxHeaders.&lt;process id&gt;/…</c> (as GNU tar's
    /// default does), which would make the bytes differ from one process to the next, so a download resumed after a
    /// restart or from another node would splice two different tars. Readers ignore that name; it is rewritten to one
    /// without the id (what GNU tar's reproducible <c>exthdr.name=%d/PaxHeaders/%f</c> writes) and the checksum redone.
    /// </summary>
    private static void FixExtendedHeaderName(byte[] header, string name)
    {
        if (header.Length < 2 * Block || header[156] != (byte)'x')
        {
            return;
        }

        var trimmed = name.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var fixedName = slash < 0 ? "./PaxHeaders/" + trimmed : trimmed[..slash] + "/PaxHeaders/" + trimmed[(slash + 1)..];
        var field = header.AsSpan(0, 100);
        field.Clear();
        header.AsSpan(345, 155).Clear(); // the ustar prefix, should a name have spilled into it
        var bytes = Encoding.UTF8.GetBytes(fixedName);
        bytes.AsSpan(0, Math.Min(bytes.Length, 100)).CopyTo(field);

        // Checksum: the sum of the header's bytes with the checksum field as spaces, as six octal digits, NUL, space.
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header.AsSpan(0, Block))
        {
            sum += b;
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0'), header.AsSpan(148, 6));
        header[154] = 0;
        header[155] = (byte)' ';
    }

    /// <summary>A data stream of a given length whose reads return counts and leave the buffer as it is.</summary>
    private sealed class PhantomData(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, Math.Max(0, length - _position));
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Counts what is written and keeps the first <see cref="MaxHeader"/> bytes plus one block.</summary>
    private sealed class HeaderSink : Stream
    {
        private readonly byte[] _kept = new byte[MaxHeader + Block];
        private int _keptLength;

        public long Total { get; private set; }

        public ReadOnlySpan<byte> Captured => _kept.AsSpan(0, _keptLength);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var keep = Math.Min(buffer.Length, _kept.Length - _keptLength);
            buffer[..keep].CopyTo(_kept.AsSpan(_keptLength));
            _keptLength += keep;
            Total += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

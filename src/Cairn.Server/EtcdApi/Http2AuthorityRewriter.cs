using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// A connection middleware of the etcd API's cleartext listeners that makes etcd's Go clients acceptable to Kestrel.
/// etcdctl 3.4 (grpc-go) sends its endpoint as the HTTP/2 <c>:authority</c>: the socket's path for <c>unix://PATH</c>
/// (<c>/tmp/etcd.sock</c>), the whole URL for <c>endpoint status</c> (<c>http://127.0.0.1:2379</c>). Kestrel takes
/// <c>:authority</c> as the Host, finds it invalid and resets the stream (PROTOCOL_ERROR), with no option to let it
/// through. So the client's header blocks are decoded here (HPACK, keeping the client's dynamic table) and passed on
/// re-encoded without indexing, with such an authority replaced by its host (<c>127.0.0.1:2379</c>) or
/// <c>localhost</c>; every other frame passes unchanged, and so does everything the server sends.
/// </summary>
/// <remarks>
/// Only on the etcd API's own h2c and Unix listeners (gRPC, HTTP/2 with prior knowledge): the HTTP API's listeners and
/// their Host checks are untouched. Whatever this does not understand (no HTTP/2 preface, a malformed frame or header
/// block, a frame larger than Kestrel allows) is passed on as it came from then on, for Kestrel to refuse as it would.
/// </remarks>
internal static class Http2AuthorityRewriter
{
    private const int FrameHeaderLength = 9;
    private const byte Headers = 0x1;
    private const byte Continuation = 0x9;
    private const byte EndStream = 0x1;
    private const byte EndHeaders = 0x4;
    private const byte Padded = 0x8;
    private const byte Priority = 0x20;

    // Every HTTP/2 peer accepts frames this large; re-encoded blocks are cut to it.
    private const int SafeFrameLength = 16384;

    // A header block larger than this is passed on unread (Kestrel's own header limits are far lower).
    private const int MaxBlockLength = 1024 * 1024;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Adds the rewriter to <paramref name="listen"/> (a cleartext listener: it reads the bytes as they come).</summary>
    public static void UseOn(ListenOptions listen)
    {
        var limits = listen.KestrelServerOptions.Limits.Http2;
        listen.Use(next => connection => RunAsync(next, connection, limits.HeaderTableSize, limits.MaxFrameSize));
    }

    /// <summary>The authority to give Kestrel for <paramref name="authority"/>; null to keep it. Only one that holds a
    /// <c>/</c> (a path or a URL, never valid as a host) is replaced.</summary>
    public static string? Replacement(string authority)
    {
        if (!authority.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        var scheme = authority.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme >= 0 ? authority[(scheme + 3)..] : authority;
        var host = rest.Split('/')[0];
        return host.Length > 0 && host.All(c => char.IsAsciiLetterOrDigit(c) || "-._~:[]".Contains(c, StringComparison.Ordinal)) ? host : "localhost";
    }

    private static async Task RunAsync(ConnectionDelegate next, ConnectionContext connection, int tableSize, int maxFrameSize)
    {
        var transport = connection.Transport;
        var rewritten = new Pipe();
        connection.Transport = new Transport(rewritten.Reader, transport.Output);
        var pump = new Pump(new HpackDecoder(tableSize), maxFrameSize).RunAsync(transport.Input, rewritten.Writer);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            // The server is done with the connection: stop reading for it.
            await rewritten.Reader.CompleteAsync().ConfigureAwait(false);
            transport.Input.CancelPendingRead();
            await pump.ConfigureAwait(false);
            connection.Transport = transport;
        }
    }

    private sealed class Transport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    // Reads the client's bytes, frame by frame, and writes them on, the header blocks rewritten.
    private sealed class Pump(HpackDecoder decoder, int maxFrameSize)
    {
        private readonly List<byte> _block = [];
        private readonly ArrayBufferWriter<byte> _original = new();
        private bool _prefaceSeen;
        private bool _passThrough;
        private int _blockStream;
        private byte _blockFlags;
        private byte[]? _blockPriority;

        public async Task RunAsync(PipeReader input, PipeWriter output)
        {
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync().ConfigureAwait(false);
                    if (read.IsCanceled)
                    {
                        break;
                    }

                    var buffer = read.Buffer;
                    var consumed = Process(buffer, output);
                    if (read.IsCompleted && !consumed.Equals(buffer.End))
                    {
                        // The client ended mid-frame: what there is goes on as it came.
                        foreach (var segment in buffer.Slice(consumed))
                        {
                            output.Write(segment.Span);
                        }

                        consumed = buffer.End;
                    }

                    input.AdvanceTo(consumed, buffer.End);
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || read.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or InvalidOperationException or OperationCanceledException)
            {
                // The connection broke or was torn down while this read: the server sees the end of its input.
            }
            finally
            {
                await output.CompleteAsync().ConfigureAwait(false);
            }
        }

        // Writes on every whole frame in the buffer; returns how far it got.
        private SequencePosition Process(ReadOnlySequence<byte> buffer, PipeWriter output)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!_prefaceSeen && !_passThrough)
            {
                if (reader.Remaining < Preface.Length)
                {
                    return buffer.Start;
                }

                Span<byte> preface = stackalloc byte[Preface.Length];
                reader.TryCopyTo(preface);
                reader.Advance(Preface.Length);
                output.Write(preface);
                _prefaceSeen = true;
                _passThrough = !preface.SequenceEqual(Preface);
            }

            Span<byte> header = stackalloc byte[FrameHeaderLength];
            while (!_passThrough)
            {
                if (!reader.TryCopyTo(header))
                {
                    break;
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                if (length > maxFrameSize)
                {
                    GiveUp(output);
                    break;
                }

                if (reader.Remaining < FrameHeaderLength + length)
                {
                    break;
                }

                var frame = new byte[FrameHeaderLength + length];
                reader.TryCopyTo(frame);
                reader.Advance(frame.Length);
                OnFrame(frame, output);
            }

            if (_passThrough)
            {
                foreach (var segment in buffer.Slice(reader.Position))
                {
                    output.Write(segment.Span);
                }

                return buffer.End;
            }

            return reader.Position;
        }

        private void OnFrame(byte[] frame, PipeWriter output)
        {
            var type = frame[3];
            var flags = frame[4];
            var stream = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(5)) & int.MaxValue;
            var payload = frame.AsSpan(FrameHeaderLength);
            var inBlock = _original.WrittenCount > 0;
            if (inBlock && (type != Continuation || stream != _blockStream))
            {
                // A header block must go on in CONTINUATION frames of its stream: the server will refuse this.
                _original.Write(frame);
                GiveUp(output);
                return;
            }

            if (type == Headers && !inBlock)
            {
                var start = 0;
                var padding = 0;
                if ((flags & Padded) != 0)
                {
                    padding = payload.Length > 0 ? payload[0] : int.MaxValue;
                    start = 1;
                }

                if ((flags & Priority) != 0)
                {
                    _blockPriority = payload.Length >= start + 5 ? payload.Slice(start, 5).ToArray() : null;
                    start += 5;
                }
                else
                {
                    _blockPriority = null;
                }

                _original.Write(frame);
                if (start + padding > payload.Length)
                {
                    GiveUp(output);
                    return;
                }

                _block.AddRange(payload[start..(payload.Length - padding)]);
                _blockStream = stream;
                _blockFlags = flags;
            }
            else if (type == Continuation && inBlock)
            {
                _original.Write(frame);
                _block.AddRange(payload);
            }
            else
            {
                output.Write(frame);
                return;
            }

            if (_block.Count > MaxBlockLength)
            {
                GiveUp(output);
            }
            else if ((flags & EndHeaders) != 0)
            {
                EndBlock(output);
            }
        }

        private void EndBlock(PipeWriter output)
        {
            var fields = decoder.Decode(_block.ToArray());
            if (fields is null)
            {
                GiveUp(output);
                return;
            }

            var encoded = new ArrayBufferWriter<byte>();
            foreach (var (name, value) in fields)
            {
                var written = value;
                if (name.AsSpan().SequenceEqual(":authority"u8) && Replacement(Encoding.Latin1.GetString(value)) is { } replacement)
                {
                    written = Encoding.ASCII.GetBytes(replacement);
                }

                // A literal without indexing, its name a literal too: nothing enters the server's dynamic table.
                encoded.Write<byte>([0]);
                WriteString(encoded, name);
                WriteString(encoded, written);
            }

            WriteFrames(output, encoded.WrittenSpan);
            _block.Clear();
            _original.Clear();
        }

        private void WriteFrames(PipeWriter output, ReadOnlySpan<byte> block)
        {
            var first = true;
            do
            {
                var priority = first && _blockPriority is not null ? _blockPriority : [];
                var length = Math.Min(block.Length, SafeFrameLength - priority.Length);
                var last = length == block.Length;
                byte flags = first
                    ? (byte)((_blockFlags & EndStream) | (priority.Length > 0 ? Priority : 0) | (last ? EndHeaders : 0))
                    : (byte)(last ? EndHeaders : 0);
                var header = new byte[FrameHeaderLength];
                var payload = priority.Length + length;
                header[0] = (byte)(payload >> 16);
                header[1] = (byte)(payload >> 8);
                header[2] = (byte)payload;
                header[3] = first ? Headers : Continuation;
                header[4] = flags;
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(5), _blockStream);
                output.Write(header);
                output.Write(priority);
                output.Write(block[..length]);
                block = block[length..];
                first = false;
            }
            while (!block.IsEmpty);
        }

        // From here on the bytes go on as they came, starting with the frames held back.
        private void GiveUp(PipeWriter output)
        {
            output.Write(_original.WrittenSpan);
            _original.Clear();
            _block.Clear();
            _passThrough = true;
        }

        private static void WriteString(ArrayBufferWriter<byte> output, byte[] text)
        {
            WriteInteger(output, text.Length);
            output.Write(text);
        }

        // An integer with a 7-bit prefix and the Huffman bit clear (RFC 7541, 5.1).
        private static void WriteInteger(ArrayBufferWriter<byte> output, int value)
        {
            if (value < 0x7F)
            {
                output.Write<byte>([(byte)value]);
                return;
            }

            output.Write<byte>([0x7F]);
            value -= 0x7F;
            while (value >= 0x80)
            {
                output.Write<byte>([(byte)((value & 0x7F) | 0x80)]);
                value >>= 7;
            }

            output.Write<byte>([(byte)value]);
        }
    }
}

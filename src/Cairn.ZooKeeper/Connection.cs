using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Cairn.ZooKeeper;

// One TCP connection to one server: the socket (and the TLS stream over it, when the client speaks TLS), the requests written and not yet answered (in xid order), the auth
// packets written and not yet answered (the server answers those out of band, as soon as it reads them), and the
// buffer frames are read into. Closing it hands back everything unanswered, exactly once.
internal sealed class Connection : IDisposable
{
    private const int InitialReadBuffer = 64 * 1024;

    private readonly Socket _socket;
    private readonly SslStream? _tls;
    private readonly CancellationTokenSource _closing;
    private readonly Lock _lock = new();
    private readonly Queue<Request> _pending = new();
    private readonly Queue<Request> _auths = new();
    private readonly int _maxReplyBytes;
    private byte[] _buffer = new byte[InitialReadBuffer];
    private int _start;
    private int _end;
    private bool _closed;

    public Connection(Socket socket, SslStream? tls, DnsEndPoint server, int maxReplyBytes, CancellationToken lifetime)
    {
        _socket = socket;
        _tls = tls;
        Server = ConnectString.Format(server);
        _maxReplyBytes = maxReplyBytes;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
    }

    // host:port, for messages.
    public string Server { get; }

    // Cancelled when the connection closes (or the client ends).
    public CancellationToken Token => _closing.Token;

    // The writer's serialisation buffer (only the writer uses it).
    public JuteWriter Writer { get; } = new();

    // Records a written request as awaiting its reply; false when the connection has closed meanwhile (the caller then
    // fails the request itself, having not sent it).
    public bool TryAdd(Request request)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            (request.Type == OpCodes.Auth ? _auths : _pending).Enqueue(request);
            return true;
        }
    }

    public Request? TakePending()
    {
        lock (_lock)
        {
            return _pending.TryDequeue(out var request) ? request : null;
        }
    }

    public Request? TakeAuth()
    {
        lock (_lock)
        {
            return _auths.TryDequeue(out var request) ? request : null;
        }
    }

    // Closes the socket and returns the requests still unanswered; later calls return nothing.
    public List<Request> Close()
    {
        var unanswered = new List<Request>();
        lock (_lock)
        {
            if (!_closed)
            {
                _closed = true;
                unanswered.AddRange(_pending);
                unanswered.AddRange(_auths);
                _pending.Clear();
                _auths.Clear();
            }
        }

        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose(); // first: a read or write pending on the TLS stream fails at once
        _tls?.Dispose();
        return unanswered;
    }

    public void Dispose()
    {
        Close();
        _closing.Dispose();
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_tls is not null)
        {
            await _tls.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }

        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    // Reads one frame. The memory is valid until the next read. A frame longer than the limit is not kept: its reply
    // header (16 bytes) is returned and the rest is read and dropped, so the connection stays usable. The handshake's
    // answer is never that long: a peer announcing such a frame there is not speaking the protocol.
    public async ValueTask<Frame> ReadFrameAsync(CancellationToken cancellationToken, bool handshake = false)
    {
        await FillAsync(4, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));
        _start += 4;
        if (length < 0)
        {
            throw new InvalidDataException($"{Server} sent a frame of negative length {length}.");
        }

        if (handshake && length > _maxReplyBytes)
        {
            throw new InvalidDataException($"the handshake answer announces {length} bytes (is this a ZooKeeper server?)");
        }

        if (length <= _maxReplyBytes)
        {
            await FillAsync(length, cancellationToken).ConfigureAwait(false);
            var frame = _buffer.AsMemory(_start, length);
            _start += length;
            return new Frame(frame, length);
        }

        const int HeaderLength = 16;
        await FillAsync(HeaderLength, cancellationToken).ConfigureAwait(false);
        var header = _buffer.AsSpan(_start, HeaderLength).ToArray();
        _start += HeaderLength;
        for (var left = length - HeaderLength; left > 0;)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                await FillAsync(1, cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(left, _end - _start);
            _start += take;
            left -= take;
        }

        return new Frame(header, length);
    }

    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return;
        }

        if (_start == _end && _buffer.Length > 4 * InitialReadBuffer && count <= InitialReadBuffer)
        {
            _buffer = new byte[InitialReadBuffer]; // give back what one very large reply needed
            _start = _end = 0;
        }

        if (_buffer.Length - _start < count)
        {
            var target = count > _buffer.Length ? new byte[Math.Max(count, _buffer.Length * 2)] : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = target;
        }

        while (_end - _start < count)
        {
            var read = _tls is null
                ? await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false)
                : await _tls.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"{Server} closed the connection.");
            }

            _end += read;
        }
    }
}

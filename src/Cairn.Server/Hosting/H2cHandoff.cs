using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Cairn.Server.Hosting;

/// <summary>
/// HTTP/2 in cleartext (h2c with prior knowledge) beside HTTP/1.1 on one <c>http://</c> or <c>unix:</c> listener.
/// Kestrel picks a cleartext connection's protocol from its endpoint alone, and an endpoint with both picks HTTP/1.1
/// (only TLS's ALPN can choose; dotnet/aspnetcore#56984), so each such listener is two Kestrel endpoints: the real
/// address, speaking HTTP/1.1, and this one, speaking HTTP/2 only, which binds no socket. A connection middleware on
/// the first (<see cref="Sniff"/>) looks at a new connection's first bytes without taking them: when they are HTTP/2's
/// connection preface, the connection is handed to this endpoint's listener (<see cref="H2cTransportFactory"/>), and
/// Kestrel's HTTP/2 serves it there; anything else stays HTTP/1.1, exactly as before.
/// </summary>
/// <remarks>
/// The handed-over connection keeps what the middleware before the sniffing found (peer credentials, the compat
/// listener mark, the per-address count), and it counts once against Kestrel's connection cap: against the HTTP/2
/// endpoint's, the first one's being released. A client that opens a connection and sends nothing is given to HTTP/1.1
/// after <c>Limits:RequestHeadersTimeout</c>, whose own timeouts then close it.
/// </remarks>
internal sealed class H2cHandoff(TimeSpan firstBytesTimeout) : EndPoint
{
    private readonly Channel<HandedOffConnection> _handedOff = Channel.CreateUnbounded<HandedOffConnection>(new UnboundedChannelOptions { SingleReader = true });
    private ListenOptions? _http1;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>The connections handed over, for the HTTP/2 endpoint's listener to accept.</summary>
    public ChannelReader<HandedOffConnection> HandedOff => _handedOff.Reader;

    /// <summary>Makes the HTTP/1.1 endpoint <paramref name="http1"/> hand h2c connections to the HTTP/2 endpoint
    /// <paramref name="http2"/>; called once each is configured (with the same connection middleware) and before any
    /// other middleware is added to <paramref name="http1"/> (the TLS one: a TLS listener needs no sniffing).</summary>
    public void Join(ListenOptions http1, ListenOptions http2)
    {
        _http1 = http1;
        http1.Protocols = HttpProtocols.Http1;
        http2.Protocols = HttpProtocols.Http2;
        http1.Use(Sniff);
    }

    /// <summary>Refuses further connections and closes those handed over but not yet accepted (the listener is being
    /// unbound: the server stops).</summary>
    public void Close()
    {
        _handedOff.Writer.TryComplete();
        while (_handedOff.Reader.TryRead(out var connection))
        {
            connection.Abort(new ConnectionAbortedException("The server is stopping."));
            connection.Finish();
        }
    }

    // How the HTTP/2 endpoint appears in Kestrel's log and its address list (from which ServerAddresses leaves it out).
    public override string ToString() => $"{_http1?.EndPoint} (h2c)";

    private ConnectionDelegate Sniff(ConnectionDelegate next) => async connection =>
    {
        if (!await StartsWithPrefaceAsync(connection).ConfigureAwait(false))
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // Read before the handover: the HTTP/2 endpoint's cap sets its own feature on the handed-over connection.
        var counted = connection.Features.Get<IDecrementConcurrentConnectionCountFeature>();
        var handedOff = new HandedOffConnection(connection);
        if (!_handedOff.Writer.TryWrite(handedOff))
        {
            return; // stopping: closing the connection is the answer
        }

        counted?.ReleaseConnection();

        // Returning would close the connection: it is over when Kestrel's HTTP/2 side disposes it.
        await handedOff.Finished.ConfigureAwait(false);
    };

    // Whether the connection begins with the HTTP/2 preface. Nothing is consumed: Kestrel reads the same bytes next.
    // Most HTTP/1.1 requests differ at the first or second byte, so the answer rarely waits for more than one packet.
    private async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(firstBytesTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false; // silent or gone: HTTP/1.1's timeouts and errors apply as before
            }

            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var head = buffer.Slice(0, length).ToArray();
            var matches = Preface[..length].SequenceEqual(head);
            if (!matches || length == Preface.Length || result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return matches && length == Preface.Length;
            }

            // A prefix of the preface so far: wait for more bytes, still taking none.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}

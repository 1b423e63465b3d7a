using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Cairn.ZooKeeper;

// The connection loop: connect to a server, start or resume the session, prime the connection (credentials, watches),
// run the reader and the writer until the connection fails, fail what it left unanswered, and go to the next server.
public sealed partial class ZooKeeperClient
{
    // Java's batch size for setWatches: a frame far below the server's 1 MiB jute.maxbuffer.
    private const int SetWatchesBatchBytes = 128 * 1024;

    private long _lastHeard;
    private volatile bool _closeSent;

    private async Task RunAsync()
    {
        var token = _lifetime.Token;
        var next = 0;
        var failedInRow = 0;
        var tlsFailedInRow = 0;
        while (!token.IsCancellationRequested)
        {
            if (failedInRow > 0)
            {
                // Straight on to the next server, but not in a hot loop when none answers: a pause after each round.
                var pause = failedInRow % _servers.Length == 0
                    ? TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(50, SessionTimeoutMs / 10)) + Random.Shared.Next(50))
                    : TimeSpan.FromMilliseconds(Random.Shared.Next(20));
                try
                {
                    await Task.Delay(pause, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var server = _servers[next++ % _servers.Length];
            var serverName = ConnectString.Format(server);
            Connection? connection = null;
            var connected = false;
            string? reason = null;
            var tlsFailed = false;
            try
            {
                connection = await HandshakeAsync(server, token).ConfigureAwait(false);
                if (connection is null)
                {
                    return; // the session expired
                }

                await PrimeAsync(connection).ConfigureAwait(false);
                connected = true;
                failedInRow = 0;
                ChangeState(ZooKeeperState.Connected, connection.Server);
                _firstSession.TrySetResult();
                reason = await ServeAsync(connection).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                reason = Describe(ex);
                tlsFailed = ex is TlsHandshakeException;
            }
            finally
            {
                TearDown(connection, connected, reason);
            }

            if (token.IsCancellationRequested || _closeSent)
            {
                break;
            }

            if (connected)
            {
                Log.ConnectionLost(_logger, serverName, SessionId, reason);
            }
            else
            {
                failedInRow++;
                Volatile.Write(ref _lastConnectError, $"{serverName}: {reason}");
                Log.ConnectFailed(_logger, serverName, reason);

                // TLS failing with every server before the first session is a setting to fix, not an outage to wait out.
                tlsFailedInRow = tlsFailed ? tlsFailedInRow + 1 : 0;
                if (tlsFailedInRow >= _servers.Length && !_firstSession.Task.IsCompleted)
                {
                    _firstSession.TrySetException(new ZooKeeperConnectException(reason ?? "TLS failed.") { IsTransient = false });
                }
            }

            // No server heard for longer than the session timeout allows: the ensemble has expired the session (or will
            // have by the time one answers). As the Java client since 3.9, say so rather than wait for a server.
            var silentMs = Environment.TickCount64 - Interlocked.Read(ref _lastHeard);
            if (Volatile.Read(ref _negotiatedTimeoutMs) is > 0 and var negotiatedMs && silentMs > negotiatedMs * 4L / 3)
            {
                Expire($"no server has answered for {silentMs} ms, longer than the session timeout allows");
                return;
            }
        }
    }

    private int SessionTimeoutMs => Volatile.Read(ref _negotiatedTimeoutMs) is > 0 and var negotiated ? negotiated : (int)_options.SessionTimeout.TotalMilliseconds;

    // TCP connect and the session handshake: the connect request (protocol version 0, the last zxid seen, the timeout
    // asked for, the session id and password: zeros for a new session), and its answer. Null when the answer says the
    // session has expired. Java's connect timeout: the session timeout shared among the servers, so that all of them can
    // be tried before the session expires.
    private async Task<Connection?> HandshakeAsync(DnsEndPoint server, CancellationToken token)
    {
        var attemptMs = Math.Min(SessionTimeoutMs, Math.Max(SessionTimeoutMs / _servers.Length, 1000));
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        attempt.CancelAfter(attemptMs);
        Connection? connection = null;
        var inTlsHandshake = false;
        try
        {
            var socket = await OpenSocketAsync(server, attempt.Token).ConfigureAwait(false);
            inTlsHandshake = _options.Tls is not null;
            var tls = await StartTlsAsync(socket, server, attempt.Token).ConfigureAwait(false);
            inTlsHandshake = false;
            connection = new Connection(socket, tls, server, _options.MaxReplyBytes, token);
            var writer = connection.Writer;
            writer.Reset();
            var frame = writer.BeginFrame();
            writer.WriteInt(0);
            writer.WriteLong(Interlocked.Read(ref _lastZxid));
            writer.WriteInt((int)_options.SessionTimeout.TotalMilliseconds);
            writer.WriteLong(SessionId);
            writer.WriteBuffer(Volatile.Read(ref _password));
            writer.WriteBool(false);
            writer.EndFrame(frame);
            await connection.SendAsync(writer.Written, attempt.Token).ConfigureAwait(false);

            Frame answer;
            try
            {
                answer = await connection.ReadFrameAsync(attempt.Token, handshake: true).ConfigureAwait(false);
            }
            catch (EndOfStreamException ex) when (_options.Tls is null)
            {
                throw new EndOfStreamException(
                    $"{ConnectString.Format(server)} closed the connection before answering the session handshake (too many connections from this host, or a secure client port that wants TLS)", ex);
            }
            catch (IOException ex) when (_options.Tls is not null && (ex is EndOfStreamException || ex.InnerException is not null))
            {
                // Over TLS 1.3 a server judges the client certificate after the handshake: its refusal arrives as an
                // alert, or a closed connection, in place of the session's answer.
                throw new TlsHandshakeException(
                    $"TLS: {ConnectString.Format(server)} closed the connection before answering the session handshake ({Innermost(ex)}); " +
                    "if this persists, it refuses the client certificate (or the lack of one): it must be signed by a CA of the server's ssl.trustStore", ex);
            }

            var reader = new JuteReader(answer.Data.Span);
            reader.ReadInt(); // protocol version
            var timeoutMs = reader.ReadInt();
            var sessionId = reader.ReadLong();
            var password = reader.ReadBuffer();
            if (timeoutMs <= 0)
            {
                connection.Dispose();
                Expire($"{ConnectString.Format(server)} says the session has expired");
                return null;
            }

            var resumed = SessionId != 0;
            Interlocked.Exchange(ref _sessionId, sessionId);
            Volatile.Write(ref _password, password);
            Volatile.Write(ref _negotiatedTimeoutMs, timeoutMs);
            Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
            Log.Connected(_logger, connection.Server, sessionId, timeoutMs, resumed);
            return connection;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            connection?.Dispose();
            throw new TimeoutException(inTlsHandshake
                ? $"no answer to the TLS handshake within {attemptMs} ms (is that port the server's secureClientPort?)"
                : $"no session handshake within {attemptMs} ms");
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    // The TLS handshake when the client speaks TLS (null otherwise); the socket is closed if it fails.
    private async Task<SslStream?> StartTlsAsync(Socket socket, DnsEndPoint server, CancellationToken cancellationToken)
    {
        if (_options.Tls is not { } options)
        {
            return null;
        }

        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(options.For(server.Host), cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch (Exception ex)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            if (ex is IOException)
            {
                // A plain port closes on a TLS hello; so may a server that is going down: a hint, and try again.
                throw new IOException($"{ConnectString.Format(server)} closed the connection during the TLS handshake ({Innermost(ex)}); is that port the server's secureClientPort?", ex);
            }

            if (ex is not AuthenticationException)
            {
                throw;
            }

            var why = Innermost(ex);
            throw new TlsHandshakeException(why.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal)
                ? $"TLS: the certificate of {ConnectString.Format(server)} is not trusted: it is not signed by a trusted CA, or not made out to '{server.Host}'"
                : $"TLS: the handshake with {ConnectString.Format(server)} failed ({why}); is that port the server's secureClientPort, and does it take the client certificate?", ex);
        }
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex.Message.ReplaceLineEndings(" ").Trim();
    }

    private static async Task<Socket> OpenSocketAsync(DnsEndPoint server, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(server.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(server.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, server.Port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    // Before any queued request: the credentials (all of them, every time), then every watch the client holds, in
    // setWatches2 frames of at most ~128 KiB of paths each, relative to the last zxid seen so that the server fires at
    // once what changed while the client was away.
    private async Task PrimeAsync(Connection connection)
    {
        var writer = connection.Writer;
        writer.Reset();
        ZooKeeperAuth[] credentials;
        lock (_stateLock)
        {
            credentials = [.. _auth];
        }

        foreach (var auth in credentials)
        {
            Serialize(connection, new AuthRequest(auth, _logger));
        }

        var (data, exist, child, persistent, recursive) = _watches.Snapshot();
        var lists = new[] { data, exist, child, persistent, recursive };
        var relativeZxid = Interlocked.Read(ref _lastZxid);
        var batch = new[] { new List<string>(), new List<string>(), new List<string>(), new List<string>(), new List<string>() };
        var batchBytes = 0;
        for (var kind = 0; kind < lists.Length; kind++)
        {
            foreach (var path in lists[kind])
            {
                var serverPath = ToServer(path);
                batch[kind].Add(serverPath);
                batchBytes += serverPath.Length + 4;
                if (batchBytes >= SetWatchesBatchBytes)
                {
                    Serialize(connection, new SetWatchesRequest(relativeZxid, batch, _logger));
                    batch = [[], [], [], [], []];
                    batchBytes = 0;
                }
            }
        }

        if (batchBytes > 0)
        {
            Serialize(connection, new SetWatchesRequest(relativeZxid, batch, _logger));
        }

        if (writer.Length > 0)
        {
            await connection.SendAsync(writer.Written, connection.Token).ConfigureAwait(false);
        }
    }

    // Runs the reader and the writer until one stops; returns why the connection ended.
    private async Task<string> ServeAsync(Connection connection)
    {
        var reader = Task.Run(() => ReadLoopAsync(connection));
        var writer = Task.Run(() => WriteLoopAsync(connection));
        var first = await Task.WhenAny(reader, writer).ConfigureAwait(false);
        var unanswered = connection.Close();
        try
        {
            await Task.WhenAll(reader, writer).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The other loop's exception is the closing itself.
        }

        // Close() may have been first called here; the requests it returned fail in TearDown's stead.
        FailUnanswered(unanswered, Reason(first));
        return Reason(first);

        static string Reason(Task loop) =>
            loop.Exception?.GetBaseException() is { } ex ? Describe(ex) : "the client is closing";
    }

    private void TearDown(Connection? connection, bool connected, string? reason)
    {
        if (connection is not null)
        {
            FailUnanswered(connection.Close(), reason);
            connection.Dispose();
        }

        if (connected && !_closeSent)
        {
            ChangeState(ZooKeeperState.Disconnected, null); // not after closeSession: the client is closing, not disconnected
        }
    }

    private void FailUnanswered(List<Request> unanswered, string? reason)
    {
        if (unanswered.Count == 0)
        {
            return;
        }

        var lost = reason is null ? null : $"the connection was lost ({reason})";
        foreach (var request in unanswered)
        {
            request.Fail(FailureFor(request.Path, lost));
        }
    }

    private void Expire(string why)
    {
        Log.SessionExpired(_logger, SessionId, why);
        EnterFinal(ZooKeeperState.Expired, path => new SessionExpiredException(path, path is null
            ? $"SessionExpired: the session 0x{SessionId:x} has expired ({why}); make a new client."
            : $"SessionExpired for {path}: the session 0x{SessionId:x} has expired ({why}); make a new client."));
    }

    private static string Describe(Exception ex) => ex switch
    {
        SocketException socket => $"{socket.SocketErrorCode}: {socket.Message}",
        _ => ex.Message,
    };
}

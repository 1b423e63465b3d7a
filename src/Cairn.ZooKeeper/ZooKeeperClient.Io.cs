namespace Cairn.ZooKeeper;

// The two loops of a connection: the writer takes requests in call order, numbers them and writes them in batches
// (pinging when idle); the reader matches replies to requests in order and turns notifications into events.
public sealed partial class ZooKeeperClient
{
    private const int WriteBatchBytes = 64 * 1024;

    private async Task WriteLoopAsync(Connection connection)
    {
        var queue = _outgoing.Reader;
        var writer = connection.Writer;
        var pingIntervalMs = Math.Max(Volatile.Read(ref _negotiatedTimeoutMs) / 3, 1);
        var lastSend = Environment.TickCount64;
        var idle = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        try
        {
            while (true)
            {
                writer.Reset();
                while (writer.Length < WriteBatchBytes && queue.TryRead(out var request))
                {
                    Serialize(connection, request);
                }

                if (writer.Length > 0)
                {
                    await connection.SendAsync(writer.Written, connection.Token).ConfigureAwait(false);
                    lastSend = Environment.TickCount64;
                    continue;
                }

                var waitMs = pingIntervalMs - (Environment.TickCount64 - lastSend);
                if (waitMs <= 0)
                {
                    var frame = writer.BeginFrame();
                    writer.WriteInt(OpCodes.PingXid);
                    writer.WriteInt(OpCodes.Ping);
                    writer.EndFrame(frame);
                    await connection.SendAsync(writer.Written, connection.Token).ConfigureAwait(false);
                    lastSend = Environment.TickCount64;
                    continue;
                }

                if (!idle.TryReset())
                {
                    idle.Dispose();
                    idle = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
                }

                idle.CancelAfter(TimeSpan.FromMilliseconds(waitMs));
                try
                {
                    if (!await queue.WaitToReadAsync(idle.Token).ConfigureAwait(false))
                    {
                        return; // the client has ended
                    }
                }
                catch (OperationCanceledException) when (!connection.Token.IsCancellationRequested)
                {
                    // Time to ping.
                }
            }
        }
        finally
        {
            idle.Dispose();
        }
    }

    // Appends one request's frame to the batch and records it as awaiting its reply (auth packets have the auth xid and
    // are answered out of band; setWatches has its own xid and is answered in order).
    private void Serialize(Connection connection, Request request)
    {
        var writer = connection.Writer;
        var start = writer.Length;
        request.Xid = request.Type switch
        {
            OpCodes.Auth => OpCodes.AuthXid,
            OpCodes.SetWatches2 => OpCodes.SetWatchesXid,
            _ => NextXid(),
        };
        var frame = writer.BeginFrame();
        writer.WriteInt(request.Xid);
        writer.WriteInt(request.Type);
        request.WriteBody(writer);
        writer.EndFrame(frame);
        if (!connection.TryAdd(request))
        {
            writer.Truncate(start);
            request.Fail(FailureFor(request.Path, $"the connection to {connection.Server} closed"));
            return;
        }

        if (request.Type == OpCodes.CloseSession)
        {
            _closeSent = true; // the server closes the connection after answering: do not reconnect
        }
    }

    // Numbered xids are positive and wrap from int.MaxValue to 1: the negative ones are the protocol's special xids.
    private int NextXid()
    {
        var xid = Volatile.Read(ref _nextXid);
        Volatile.Write(ref _nextXid, xid == int.MaxValue ? 1 : xid + 1);
        return xid;
    }

    private async Task ReadLoopAsync(Connection connection)
    {
        // Java's read timeout: two thirds of the session timeout without a frame (pings go every third) means the
        // server or the path to it is gone; another server can still be reached before the session expires.
        var readTimeout = TimeSpan.FromMilliseconds(Math.Max(Volatile.Read(ref _negotiatedTimeoutMs) * 2 / 3, 1));
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        while (true)
        {
            silence.CancelAfter(readTimeout);
            Frame frame;
            try
            {
                frame = await connection.ReadFrameAsync(silence.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!connection.Token.IsCancellationRequested)
            {
                throw new TimeoutException($"nothing heard from {connection.Server} for {readTimeout.TotalMilliseconds:0} ms");
            }

            Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
            Receive(connection, frame);
        }
    }

    private void Receive(Connection connection, Frame frame)
    {
        var reader = new JuteReader(frame.Data.Span);
        var xid = reader.ReadInt();
        var zxid = reader.ReadLong();
        var error = reader.ReadInt();
        switch (xid)
        {
            case OpCodes.PingXid:
                return;
            case OpCodes.NotificationXid:
                if (frame.Truncated)
                {
                    throw new InvalidDataException($"{connection.Server} sent a notification of {frame.DeclaredLength} bytes, over the {_options.MaxReplyBytes}-byte limit.");
                }

                Notify(connection, ref reader);
                return;
            case OpCodes.AuthXid:
                var auth = connection.TakeAuth();
                if (error == (int)ZooKeeperErrorCode.AuthFailed)
                {
                    // The server closes the connection after this; the session is of no use with refused credentials.
                    var scheme = (auth as AuthRequest)?.Scheme;
                    Log.AuthFailed(_logger, connection.Server, scheme);
                    EnterFinal(ZooKeeperState.AuthFailed, path => new AuthFailedException(path,
                        $"AuthFailed: {connection.Server} refused the credentials{(scheme is null ? "" : $" of scheme {scheme}")}; make a new client."));
                    auth?.Fail(new AuthFailedException(null, $"AuthFailed: {connection.Server} refused the credentials{(scheme is null ? "" : $" of scheme {scheme}")}."));
                    throw new InvalidOperationException($"{connection.Server} refused the credentials");
                }

                auth?.Complete(error, ref reader);
                return;
        }

        var request = connection.TakePending()
            ?? throw new InvalidDataException($"{connection.Server} sent a reply with xid {xid} when no request was outstanding.");
        if (request.Xid != xid)
        {
            request.Fail(FailureFor(request.Path, $"{connection.Server} answered out of order (xid {xid}, expected {request.Xid}); reconnecting"));
            throw new InvalidDataException($"{connection.Server} answered xid {xid} when xid {request.Xid} was next.");
        }

        if (zxid > 0)
        {
            Interlocked.Exchange(ref _lastZxid, zxid);
        }

        if (frame.Truncated)
        {
            Log.ReplyTooLarge(_logger, connection.Server, frame.DeclaredLength, _options.MaxReplyBytes);
            request.Fail(new MarshallingErrorException(request.Path,
                $"MarshallingError{(request.Path is null ? "" : $" for {request.Path}")}: the reply of {frame.DeclaredLength} bytes is larger than " +
                $"ZooKeeperClientOptions.MaxReplyBytes ({_options.MaxReplyBytes}); raise it to read this."));
            return;
        }

        try
        {
            request.Complete(error, ref reader);
        }
        catch (InvalidDataException ex)
        {
            request.Fail(new MarshallingErrorException(request.Path, $"MarshallingError{(request.Path is null ? "" : $" for {request.Path}")}: {ex.Message}", ex));
            throw;
        }
    }

    private void Notify(Connection connection, ref JuteReader reader)
    {
        var kind = (WatchEventKind)reader.ReadInt();
        reader.ReadInt(); // the server's view of the client's state: connected, as it is talking to us
        var serverPath = reader.ReadString();
        if (kind is < WatchEventKind.NodeCreated or > WatchEventKind.PersistentWatchRemoved)
        {
            Log.UnexpectedNotification(_logger, connection.Server, (int)kind, serverPath);
            return;
        }

        if (!UnderChroot(serverPath))
        {
            Log.UnexpectedNotification(_logger, connection.Server, (int)kind, serverPath);
            return;
        }

        var path = FromServer(serverPath);
        _watches.Fired(kind, path);
        Raise(new WatchedEvent(kind, ZooKeeperState.Connected, path));
    }
}

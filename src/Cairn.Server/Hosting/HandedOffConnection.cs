using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Server.Hosting;

/// <summary>
/// A connection handed from a cleartext listener's HTTP/1.1 endpoint to its HTTP/2 one (<see cref="H2cHandoff"/>): the
/// same socket and pipes, and the features found so far (peer credentials, the compat listener mark) seen through a
/// layer of its own, so that what the second endpoint sets does not overwrite the first's. Disposing it ends the
/// first endpoint's hold on the connection, which then closes it.
/// </summary>
internal sealed class HandedOffConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the HTTP/2 endpoint is done with the connection.</summary>
    public Task Finished => _finished.Task;

    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    public override IFeatureCollection Features { get; } = new FeatureCollection(inner.Features);

    public override IDictionary<object, object?> Items
    {
        get => inner.Items;
        set => inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => inner.Transport;
        set => inner.Transport = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => inner.ConnectionClosed = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    /// <summary>Ends the first endpoint's hold on the connection (which then closes it) without the second having served
    /// it: the server stopped before accepting it.</summary>
    public void Finish() => _finished.TrySetResult();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        Finish();
    }
}

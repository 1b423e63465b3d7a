using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Cairn.Server.Hosting;

/// <summary>
/// Kestrel's "transport" for the HTTP/2 endpoints of cleartext listeners (<see cref="H2cHandoff"/>): it binds no socket,
/// and accepts the connections the HTTP/1.1 endpoint hands over. Registered after Kestrel's transport, so that Kestrel
/// asks it first; it takes only <see cref="H2cHandoff"/> endpoints.
/// </summary>
internal sealed class H2cTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is H2cHandoff;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new Listener((H2cHandoff)endpoint));

    private sealed class Listener(H2cHandoff handoff) : IConnectionListener
    {
        public EndPoint EndPoint => handoff;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await handoff.HandedOff.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return null; // unbound: Kestrel stops accepting
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            handoff.Close();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            handoff.Close();
            return ValueTask.CompletedTask;
        }
    }
}

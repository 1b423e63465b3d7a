using Cairn.Server.Hosting;
using Microsoft.Extensions.Hosting;

namespace Cairn.Server.Modules.Carts;

/// <summary>Opens this node's cart volume and starts its work before the server listens (an unusable directory is a
/// start-up error), publishes the node's addresses once it listens (so another node can proxy downloads here), and
/// stops the work when the server stops: claims are released then, so another node takes a staging cart over at once.</summary>
internal sealed class CartsService(LocalCarts local, CartsSetup setup, ServerAddresses addresses) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await local.Node.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot use the cart volume directory '{setup.Directory}' (Carts:Directory, VOLUME_PATH): {ex.Message}", ex);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => local.Node.PublishAddressesAsync(addresses.Api, cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await local.DisposeAsync().ConfigureAwait(false);

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Cairn.Server.Hosting;
using Cairn.Volumes;
using Microsoft.Extensions.Hosting;

namespace Cairn.Server.Modules.Volumes;

/// <summary>Opens this node's volumes before the server listens (an unusable directory is a start-up error), and
/// publishes the node's addresses in its volume records once it listens. The container stops and disposes the blob
/// store (withdrawing the records) after the server has stopped listening.</summary>
internal sealed class VolumesService(BlobStore blobs, ServerAddresses addresses) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await blobs.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot use the volume directories ({string.Join(", ", blobs.Directories)}; Volumes:Directories): {ex.Message}", ex);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => blobs.PublishAddressesAsync(addresses.Api, cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Cairn.Core;

namespace Cairn.Testing;

/// <summary>
/// The etcd backend with <see cref="Cairn.Storage.Etcd.EtcdKeyspaceOptions.Prefix"/> set: the shared etcd of an
/// <see cref="EtcdBackend"/>, emptied as it is, with stores that map every key under the prefix. Made by
/// <see cref="EtcdBackend.WithPrefix"/>; the shared etcd's lifetime stays with the <see cref="EtcdBackend"/> fixture.
/// </summary>
internal sealed class PrefixedEtcdBackend(EtcdBackend shared, string prefix) : Backend
{
    /// <inheritdoc />
    public override string Name => $"etcd (prefix {prefix})";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => false;

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        await shared.EmptyAsync(cancellationToken);
        return await EtcdBackend.ConnectAsync(shared.Endpoint, cancellationToken: cancellationToken, prefix: prefix);
    }

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenNewAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        var server = await EtcdBackend.StartDedicatedAsync();
        try
        {
            return new OwningKeyspace(await EtcdBackend.ConnectAsync(server.Endpoint, cancellationToken: cancellationToken, prefix: prefix), async () => await server.DisposeAsync());
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}

using Cairn.Storage.Etcd;

namespace Cairn.Journal.Tests;

/// <summary>The archive behaviour on a real etcd, whose txn and request limits are the tight ones.</summary>
public sealed class ArchiveEtcdTests : ArchiveBehaviour
{
    private EtcdServer? _server;

    protected override async Task<IKeyspace> OpenStoreAsync()
    {
        _server = await EtcdServer.StartAsync();
        return await EtcdKeyspace.ConnectAsync(new EtcdKeyspaceOptions { Endpoints = [_server.Endpoint] });
    }

    protected override async Task CloseStoreAsync(IKeyspace store)
    {
        await store.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

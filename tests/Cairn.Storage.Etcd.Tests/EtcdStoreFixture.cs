using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.Etcd.Tests;

/// <summary>A fresh etcd process for one test and a store connected to it; disposing the store stops the process.</summary>
internal sealed class EtcdStoreFixture
{
    private EtcdServer? _server;

    public async Task<IKeyspace> OpenAsync()
    {
        _server = await EtcdServer.StartAsync();
        return await EtcdKeyspace.ConnectAsync(new EtcdKeyspaceOptions { Endpoints = [_server.Endpoint] });
    }

    public async Task DestroyAsync(IKeyspace store)
    {
        await store.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

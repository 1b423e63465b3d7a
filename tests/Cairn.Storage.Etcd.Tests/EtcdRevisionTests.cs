using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Storage.Etcd.Tests;

public sealed class EtcdRevisionTests : RevisionConformance
{
    private readonly EtcdStoreFixture _fixture = new();

    protected override Task<IKeyspace> CreateStoreAsync() => _fixture.OpenAsync();

    protected override Task DestroyStoreAsync(IKeyspace store) => _fixture.DestroyAsync(store);
}

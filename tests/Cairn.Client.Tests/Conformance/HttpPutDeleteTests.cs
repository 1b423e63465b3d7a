using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

public sealed class HttpPutDeleteTests : PutDeleteConformance
{
    protected override Task<IKeyspace> CreateStoreAsync() => RemoteStore.StartAsync();
}

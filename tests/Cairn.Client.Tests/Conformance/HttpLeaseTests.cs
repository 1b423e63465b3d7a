using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

public sealed class HttpLeaseTests : LeaseConformance
{
    protected override Task<IKeyspace> CreateStoreAsync() => RemoteStore.StartAsync();
}

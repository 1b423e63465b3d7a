using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

public sealed class HttpWatchTests : WatchConformance
{
    protected override Task<IKeyspace> CreateStoreAsync() => RemoteStore.StartAsync();
}

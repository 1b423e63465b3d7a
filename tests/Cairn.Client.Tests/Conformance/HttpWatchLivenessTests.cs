using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

public sealed class HttpWatchLivenessTests : WatchLivenessConformance
{
    protected override Task<IKeyspace> CreateStoreAsync() => RemoteStore.StartAsync();
}

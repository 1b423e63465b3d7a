using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

public sealed class HttpConcurrencyTests : ConcurrencyConformance
{
    protected override Task<IKeyspace> CreateStoreAsync() => RemoteStore.StartAsync(unixSocket: true);
}

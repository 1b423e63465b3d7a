using Cairn.Core;

namespace Cairn.Client.Tests.Conformance;

/// <summary>
/// The keyspace over HTTP: a fresh in-process server on an empty data directory for every store, reached only through
/// <see cref="CairnClient"/> over TCP. The contract suites run over real HTTP, so client, wire format, server and store
/// must together behave like the store alone. Stores share nothing: a class fixture, classes run in parallel.
/// </summary>
public class HttpBackend : Backend
{
    /// <inheritdoc />
    public override string Name => "http/" + Transport;

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <summary>The transport between client and server: <c>tcp</c> or <c>unix</c>.</summary>
    protected virtual string Transport => "tcp";

    /// <summary>Starts a server of the store's own; disposing the store stops it and removes its data directory.</summary>
    /// <param name="scratchDirectory">Not used: the server has a data directory of its own.</param>
    /// <param name="cancellationToken">Not used: a server starts or fails.</param>
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        // No node registration: the suites expect a store as empty as a fresh backend (revision 1, no keys, no leases).
        var server = new ServerFixture { Settings = { ["Cluster:Enabled"] = "false" } };
        await server.InitializeAsync();
        return new OwningKeyspace(new CairnClient(server.Endpoint(Transport)), server.DisposeAsync);
    }
}

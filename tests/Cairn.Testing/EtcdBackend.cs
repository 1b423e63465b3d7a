using Cairn.Core;
using Cairn.Storage.Etcd;

namespace Cairn.Testing;

/// <summary>
/// The etcd backend: one real etcd process per test assembly, shared by every test class of the assembly through the
/// xunit collection <see cref="Collection"/> (so those classes run one after another), and emptied before each store
/// is handed out. A test that takes etcd down gets a process of its own from <see cref="StartDedicatedAsync"/>.
/// </summary>
/// <remarks>
/// A test assembly using it declares the collection once:
/// <code>[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture&lt;EtcdBackend&gt;;</code>
/// and each class on it carries <c>[Collection(EtcdBackend.Collection)]</c>.
/// </remarks>
public sealed class EtcdBackend : Backend
{
    /// <summary>The name of the xunit collection whose fixture is the assembly's etcd.</summary>
    public const string Collection = "etcd";

    /// <summary>
    /// The request timeout of the stores handed out: long, because a loaded CI machine stalls for seconds and the shared
    /// etcd never goes away (outage tests use their own process and a short timeout).
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    // Emptying races with nothing (the collection runs one test at a time), but a store left open by an earlier test,
    // or a lease expiring meanwhile, may need another round.
    private static readonly TimeSpan EmptyDeadline = TimeSpan.FromSeconds(30);

    private EtcdServer? _server;
    private EtcdKeyspace? _admin;

    /// <inheritdoc />
    public override string Name => "etcd";

    /// <inheritdoc />
    /// <remarks>False: the shared etcd keeps its revision and compaction point from test to test.</remarks>
    public override bool EmptyStoresAreNew => false;

    /// <summary>The shared etcd's client URL, for tests that point servers at it; call <see cref="EmptyAsync"/> first.</summary>
    public string Endpoint => Server.Endpoint;

    private EtcdServer Server => _server ?? throw new InvalidOperationException("The shared etcd has not started (is the class in the etcd collection?).");

    private EtcdKeyspace Admin => _admin ?? throw new InvalidOperationException("The shared etcd has not started (is the class in the etcd collection?).");

    /// <summary>Starts the shared etcd (xunit calls this once for the collection).</summary>
    public override async Task InitializeAsync()
    {
        _server = await StartDedicatedAsync();
        _admin = await ConnectAsync(_server.Endpoint);
    }

    /// <summary>Stops the shared etcd and removes its data.</summary>
    public override async Task DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Empties the shared etcd (<see cref="EmptyAsync"/>), then connects a new client to it; the caller disposes the client.</summary>
    /// <param name="scratchDirectory">Not used: etcd keeps its data itself.</param>
    /// <param name="cancellationToken">Cancels the emptying and the connecting.</param>
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        await EmptyAsync(cancellationToken);
        return await ConnectAsync(Endpoint, cancellationToken: cancellationToken);
    }

    /// <summary>Starts an etcd of the store's own, stopped and its data removed when the store is disposed.</summary>
    /// <param name="scratchDirectory">Not used: the process keeps its data in a directory of its own.</param>
    /// <param name="cancellationToken">Cancels the connecting.</param>
    public override async Task<IKeyspace> OpenNewAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        var server = await StartDedicatedAsync();
        try
        {
            return new OwningKeyspace(await ConnectAsync(server.Endpoint, cancellationToken: cancellationToken), async () => await server.DisposeAsync());
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Revokes every lease of the shared etcd and deletes every key, and checks that nothing is left: the state a test
    /// on it starts from. Its revision and compaction point stay where they were.
    /// </summary>
    /// <exception cref="InvalidOperationException">Something kept writing (a store an earlier test left open).</exception>
    public Task EmptyAsync(CancellationToken cancellationToken = default) => EmptyAsync(Admin, "shared etcd", cancellationToken);

    /// <summary>Empties the etcd that <paramref name="admin"/> is connected to (as <see cref="EmptyAsync(CancellationToken)"/>);
    /// <paramref name="which"/> names it in the error.</summary>
    internal static async Task EmptyAsync(EtcdKeyspace admin, string which, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + EmptyDeadline;
        while (true)
        {
            foreach (var lease in await admin.ListLeasesAsync(cancellationToken))
            {
                try
                {
                    await admin.RevokeLeaseAsync(lease.Id, cancellationToken);
                }
                catch (LeaseNotFoundException)
                {
                    // Expired since it was listed.
                }
            }

            await admin.DeleteAsync(new DeleteRequest(KeyRange.All), cancellationToken);

            var keys = await admin.RangeAsync(new RangeRequest(KeyRange.All) { KeysOnly = true, Limit = 5 }, cancellationToken);
            var leases = await admin.ListLeasesAsync(cancellationToken);
            if (keys.Count == 0 && leases.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new InvalidOperationException(
                    $"The {which} still holds {keys.Count} keys ({string.Join(", ", keys.Kvs.Select(kv => kv.Key))}) and {leases.Count} leases " +
                    $"after emptying it for {EmptyDeadline.TotalSeconds:0} s: something an earlier test started is still writing.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// Starts an etcd process of the caller's own (free ports, data in memory where possible), for tests that stop and
    /// start it or need one of their own; the caller disposes it. If it cannot start, the error carries etcd's output.
    /// </summary>
    /// <param name="deadline">How long etcd may take to answer; 30 s by default.</param>
    /// <param name="extraArguments">More flags for etcd (e.g. a small <c>--quota-backend-bytes</c>).</param>
    public static Task<EtcdServer> StartDedicatedAsync(TimeSpan? deadline = null, IReadOnlyList<string>? extraArguments = null) =>
        EtcdServer.StartAsync(deadline, extraArguments);

    /// <summary>Connects a new client to the etcd at <paramref name="endpoint"/>; the caller disposes it.</summary>
    /// <param name="endpoint">A client URL such as <see cref="EtcdServer.Endpoint"/>.</param>
    /// <param name="requestTimeout">The deadline of each request; <see cref="RequestTimeout"/> by default. Outage tests
    /// choose a short one, so that a request to a stopped etcd fails quickly.</param>
    /// <param name="prefix">The store's <see cref="EtcdKeyspaceOptions.Prefix"/>; none by default.</param>
    /// <param name="cancellationToken">Cancels the connecting.</param>
    public static Task<EtcdKeyspace> ConnectAsync(string endpoint, TimeSpan? requestTimeout = null, string? prefix = null, CancellationToken cancellationToken = default) =>
        EtcdKeyspace.ConnectAsync(
            new EtcdKeyspaceOptions { Endpoints = [endpoint], RequestTimeout = requestTimeout ?? RequestTimeout, Prefix = prefix },
            cancellationToken: cancellationToken);

    /// <summary>The same shared etcd, with stores that keep their keys under <paramref name="prefix"/>: the suites run
    /// unchanged on it, and the emptying clears the whole etcd, prefix or not.</summary>
    public Backend WithPrefix(string prefix) => new PrefixedEtcdBackend(this, prefix);
}

using Cairn.Core;

namespace Cairn.Testing;

/// <summary>
/// A keyspace backend as the test suites see it: it opens empty stores, one per test. A suite takes a provider in its
/// constructor and runs unchanged on every backend; each backend is one derived class per suite in a test assembly's
/// list (<c>SqliteSuites.cs</c>, <c>EtcdSuites.cs</c>, ...). A provider is an xunit fixture: a class fixture when its
/// stores are independent of each other, a collection fixture when they share a server (then the tests that use it
/// run one after another).
/// </summary>
public abstract class Backend : IAsyncLifetime
{
    /// <summary>The backend's short name (<c>sqlite</c>, <c>etcd</c>, ...), for messages.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether a store from <see cref="OpenEmptyAsync"/> is brand-new: at revision 1, never compacted, no history. False
    /// when empty stores are one shared server emptied between tests (its revision and compaction point carry on):
    /// suites then assert revisions relative to the store's revision at the start of the test, and a test about a
    /// brand-new store opens one with <see cref="OpenNewAsync"/>.
    /// </summary>
    public abstract bool EmptyStoresAreNew { get; }

    /// <summary>
    /// Opens a store that holds no keys and no leases, and that nobody else writes while the test runs. The caller
    /// disposes it.
    /// </summary>
    /// <param name="scratchDirectory">An existing directory of the test's own that the store may use for its files; the
    /// caller removes it after disposing the store.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    public abstract Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a brand-new store (revision 1, never compacted) of the test's own, even where <see cref="OpenEmptyAsync"/>
    /// shares a server; disposing the store releases whatever was started for it. Costlier than an empty store where
    /// <see cref="EmptyStoresAreNew"/> is false (a server of its own): for the few tests about a new store.
    /// </summary>
    /// <param name="scratchDirectory">As for <see cref="OpenEmptyAsync"/>; not one that another open store uses.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    public virtual Task<IKeyspace> OpenNewAsync(string scratchDirectory, CancellationToken cancellationToken = default) =>
        EmptyStoresAreNew
            ? OpenEmptyAsync(scratchDirectory, cancellationToken)
            : throw new NotSupportedException($"The {Name} provider shares its stores and must open brand-new ones itself.");

    /// <summary>Starts what the provider's stores need (nothing, unless overridden); xunit calls it once per fixture.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="InitializeAsync"/> started.</summary>
    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public override string ToString() => Name;
}

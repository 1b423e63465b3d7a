using Cairn.Carts.Tests.Node;
using Cairn.Carts.Tests.Store;

namespace Cairn.Carts.Tests;

// Carts on ZooKeeper: one standalone server for the assembly, a keyspace of its own per test.
public sealed class ZooKeeperCartStoreTests(ZooKeeperBackend b) : CartStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperCartNodeTests(ZooKeeperBackend b) : CartNodeBehaviour(b), IClassFixture<ZooKeeperBackend>;

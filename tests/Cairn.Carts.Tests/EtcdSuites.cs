using Cairn.Carts.Tests.Node;
using Cairn.Carts.Tests.Store;

namespace Cairn.Carts.Tests;

// Carts on etcd: one etcd for the assembly, emptied before each test; the classes run one after another.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdCartStoreTests(EtcdBackend b) : CartStoreBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdCartNodeTests(EtcdBackend b) : CartNodeBehaviour(b);

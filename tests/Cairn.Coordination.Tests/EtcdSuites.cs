namespace Cairn.Coordination.Tests;

// Coordination on etcd: one etcd for the assembly, emptied before each test; the classes run one after another.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdLeaderElectionTests(EtcdBackend b) : LeaderElectionBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdNodeRegistrationTests(EtcdBackend b) : NodeRegistrationBehaviour(b);

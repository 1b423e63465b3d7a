namespace Cairn.Jobs.Tests;

// The job system's suites on etcd share one etcd for the assembly, emptied before each test; the classes run one after
// another. Each suite adds its own lines for SQLite, etcd and ZooKeeper beside its abstract class (…Suites.cs).
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;

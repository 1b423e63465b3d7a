namespace Cairn.Jobs.Tests;

// The job store's contract on each backend: SQLite (a new database per test, classes in parallel), etcd (the assembly's
// one etcd, emptied before each test), ZooKeeper (one standalone server for the class, a keyspace of its own per test).
public sealed class SqliteJobStoreConformance(SqliteBackend b) : JobStoreConformance(b), IClassFixture<SqliteBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdJobStoreConformance(EtcdBackend b) : JobStoreConformance(b);

public sealed class ZooKeeperJobStoreConformance(ZooKeeperBackend b) : JobStoreConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class LogJobStoreConformance(LogBackend b) : JobStoreConformance(b), IClassFixture<LogBackend>;

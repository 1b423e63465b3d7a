namespace Cairn.Jobs.Tests;

// Workers on the real job store on each backend: SQLite (a new database per test, classes in parallel), etcd (the
// assembly's one etcd, emptied before each test), ZooKeeper (one standalone server for the class, a keyspace per test).
public sealed class SqliteWorkerConformance(SqliteBackend b) : WorkerConformance(b), IClassFixture<SqliteBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdWorkerConformance(EtcdBackend b) : WorkerConformance(b);

public sealed class ZooKeeperWorkerConformance(ZooKeeperBackend b) : WorkerConformance(b), IClassFixture<ZooKeeperBackend>;

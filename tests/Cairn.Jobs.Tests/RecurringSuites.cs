namespace Cairn.Jobs.Tests;

// Recurring jobs on each backend: SQLite and ZooKeeper give each test a store of its own (classes in parallel); etcd is
// the assembly's one shared etcd (EtcdCollection), emptied before each test.
public sealed class SqliteRecurringConformance(SqliteBackend b) : RecurringConformance(b), IClassFixture<SqliteBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdRecurringConformance(EtcdBackend b) : RecurringConformance(b);

public sealed class ZooKeeperRecurringConformance(ZooKeeperBackend b) : RecurringConformance(b), IClassFixture<ZooKeeperBackend>;

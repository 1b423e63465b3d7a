namespace Cairn.Coordination.Tests.Recipes;

// The recipe suites on every backend: SQLite and ZooKeeper stores are independent (classes run in parallel); etcd is
// one shared server (the collection declared in EtcdSuites.cs runs its classes one after another).

public sealed class SqliteLockStoreTests(SqliteBackend b) : LockStoreBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteElectionStoreTests(SqliteBackend b) : ElectionStoreBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteBarrierStoreTests(SqliteBackend b) : BarrierStoreBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteKeyspaceSessionTests(SqliteBackend b) : KeyspaceSessionBehaviour(b), IClassFixture<SqliteBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdLockStoreTests(EtcdBackend b) : LockStoreBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdElectionStoreTests(EtcdBackend b) : ElectionStoreBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdBarrierStoreTests(EtcdBackend b) : BarrierStoreBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdKeyspaceSessionTests(EtcdBackend b) : KeyspaceSessionBehaviour(b);

public sealed class ZooKeeperLockStoreTests(ZooKeeperBackend b) : LockStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperElectionStoreTests(ZooKeeperBackend b) : ElectionStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperBarrierStoreTests(ZooKeeperBackend b) : BarrierStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperKeyspaceSessionTests(ZooKeeperBackend b) : KeyspaceSessionBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class LogLockStoreTests(LogBackend b) : LockStoreBehaviour(b), IClassFixture<LogBackend>;
public sealed class LogElectionStoreTests(LogBackend b) : ElectionStoreBehaviour(b), IClassFixture<LogBackend>;
public sealed class LogBarrierStoreTests(LogBackend b) : BarrierStoreBehaviour(b), IClassFixture<LogBackend>;
public sealed class LogKeyspaceSessionTests(LogBackend b) : KeyspaceSessionBehaviour(b), IClassFixture<LogBackend>;

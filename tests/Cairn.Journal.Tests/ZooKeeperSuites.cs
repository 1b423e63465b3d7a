namespace Cairn.Journal.Tests;

// The journal's suites on ZooKeeper: one standalone server for the assembly, a keyspace of its own per test.
public sealed class ZooKeeperJournalConformance(ZooKeeperBackend b) : JournalConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ArchiveZooKeeperTests(ZooKeeperBackend b) : ArchiveBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class LargeMessageZooKeeperTests(ZooKeeperBackend b) : LargeMessageBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperJournalInputConformance(ZooKeeperBackend b) : JournalInputConformance(b), IClassFixture<ZooKeeperBackend>;

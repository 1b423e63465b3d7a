namespace Cairn.Coordination.Tests;

// Coordination on ZooKeeper: one standalone server for the assembly, a keyspace of its own per test.
public sealed class ZooKeeperLeaderElectionTests(ZooKeeperBackend b) : LeaderElectionBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperNodeRegistrationTests(ZooKeeperBackend b) : NodeRegistrationBehaviour(b), IClassFixture<ZooKeeperBackend>;

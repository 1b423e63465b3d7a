namespace Cairn.Volumes.Tests;

// The blob store's suite on ZooKeeper: one standalone server for the assembly, a keyspace of its own per test.
public sealed class ZooKeeperBlobStoreTests(ZooKeeperBackend b) : BlobStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;

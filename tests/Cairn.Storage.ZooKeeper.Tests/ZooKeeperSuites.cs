using Cairn.Conformance;
using Cairn.Testing;

namespace Cairn.Storage.ZooKeeper.Tests;

// Every contract suite on ZooKeeper: one standalone server for the assembly, each store under a root znode of its own.
public sealed class ZooKeeperCompactionTests(ZooKeeperBackend b) : CompactionConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperConcurrencyTests(ZooKeeperBackend b) : ConcurrencyConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperKeyValidationTests(ZooKeeperBackend b) : KeyValidationConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperLimitsTests(ZooKeeperBackend b) : LimitsConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperLeaseTests(ZooKeeperBackend b) : LeaseConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperPutDeleteTests(ZooKeeperBackend b) : PutDeleteConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperRangeTests(ZooKeeperBackend b) : RangeConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperRevisionTests(ZooKeeperBackend b) : RevisionConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperTxnTests(ZooKeeperBackend b) : TxnConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperTxnCompareTests(ZooKeeperBackend b) : TxnCompareConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperWatchTests(ZooKeeperBackend b) : WatchConformance(b), IClassFixture<ZooKeeperBackend>;
public sealed class ZooKeeperWatchLivenessTests(ZooKeeperBackend b) : WatchLivenessConformance(b), IClassFixture<ZooKeeperBackend>;

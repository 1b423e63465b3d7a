using Cairn.Conformance;
using Cairn.Testing;

namespace Cairn.Storage.Tests;

// Every contract suite on the replicated keyspace over an in-memory log: a new log per test; the classes run in parallel.
public sealed class ReplicatedCompactionTests(ReplicatedMemoryBackend b) : CompactionConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedConcurrencyTests(ReplicatedMemoryBackend b) : ConcurrencyConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedKeyValidationTests(ReplicatedMemoryBackend b) : KeyValidationConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedLimitsTests(ReplicatedMemoryBackend b) : LimitsConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedLeaseTests(ReplicatedMemoryBackend b) : LeaseConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedPutDeleteTests(ReplicatedMemoryBackend b) : PutDeleteConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedRangeTests(ReplicatedMemoryBackend b) : RangeConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedRevisionTests(ReplicatedMemoryBackend b) : RevisionConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedTxnTests(ReplicatedMemoryBackend b) : TxnConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedTxnCompareTests(ReplicatedMemoryBackend b) : TxnCompareConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedWatchTests(ReplicatedMemoryBackend b) : WatchConformance(b), IClassFixture<ReplicatedMemoryBackend>;
public sealed class ReplicatedWatchLivenessTests(ReplicatedMemoryBackend b) : WatchLivenessConformance(b), IClassFixture<ReplicatedMemoryBackend>;

// Once more on node A of a two-node cluster whose node B catches up, sweeps and confirms reads beside it.
public sealed class ReplicatedPairCompactionTests(ReplicatedPairBackend b) : CompactionConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairConcurrencyTests(ReplicatedPairBackend b) : ConcurrencyConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairKeyValidationTests(ReplicatedPairBackend b) : KeyValidationConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairLimitsTests(ReplicatedPairBackend b) : LimitsConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairLeaseTests(ReplicatedPairBackend b) : LeaseConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairPutDeleteTests(ReplicatedPairBackend b) : PutDeleteConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairRangeTests(ReplicatedPairBackend b) : RangeConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairRevisionTests(ReplicatedPairBackend b) : RevisionConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairTxnTests(ReplicatedPairBackend b) : TxnConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairTxnCompareTests(ReplicatedPairBackend b) : TxnCompareConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairWatchTests(ReplicatedPairBackend b) : WatchConformance(b), IClassFixture<ReplicatedPairBackend>;
public sealed class ReplicatedPairWatchLivenessTests(ReplicatedPairBackend b) : WatchLivenessConformance(b), IClassFixture<ReplicatedPairBackend>;

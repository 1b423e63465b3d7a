using Cairn.Conformance;
using Cairn.Testing;

namespace Cairn.Storage.Log.Tests;

// Every keyspace contract suite on the embedded log backend.
public sealed class LogCompactionTests(LogBackend b) : CompactionConformance(b), IClassFixture<LogBackend>;
public sealed class LogConcurrencyTests(LogBackend b) : ConcurrencyConformance(b), IClassFixture<LogBackend>;
public sealed class LogKeyValidationTests(LogBackend b) : KeyValidationConformance(b), IClassFixture<LogBackend>;
public sealed class LogLimitsTests(LogBackend b) : LimitsConformance(b), IClassFixture<LogBackend>;
public sealed class LogLeaseTests(LogBackend b) : LeaseConformance(b), IClassFixture<LogBackend>;
public sealed class LogPutDeleteTests(LogBackend b) : PutDeleteConformance(b), IClassFixture<LogBackend>;
public sealed class LogRangeTests(LogBackend b) : RangeConformance(b), IClassFixture<LogBackend>;
public sealed class LogRevisionTests(LogBackend b) : RevisionConformance(b), IClassFixture<LogBackend>;
public sealed class LogTxnTests(LogBackend b) : TxnConformance(b), IClassFixture<LogBackend>;
public sealed class LogTxnCompareTests(LogBackend b) : TxnCompareConformance(b), IClassFixture<LogBackend>;
public sealed class LogWatchTests(LogBackend b) : WatchConformance(b), IClassFixture<LogBackend>;
public sealed class LogWatchLivenessTests(LogBackend b) : WatchLivenessConformance(b), IClassFixture<LogBackend>;

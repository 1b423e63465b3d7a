using Cairn.Conformance;
using Cairn.Testing;

namespace Cairn.Storage.Sqlite.Tests;

// Every contract suite on the embedded store: a new database per test; the classes run in parallel.
public sealed class SqliteCompactionTests(SqliteBackend b) : CompactionConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteConcurrencyTests(SqliteBackend b) : ConcurrencyConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteKeyValidationTests(SqliteBackend b) : KeyValidationConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteLimitsTests(SqliteBackend b) : LimitsConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteLeaseTests(SqliteBackend b) : LeaseConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqlitePutDeleteTests(SqliteBackend b) : PutDeleteConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteRangeTests(SqliteBackend b) : RangeConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteRevisionTests(SqliteBackend b) : RevisionConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteTxnTests(SqliteBackend b) : TxnConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteTxnCompareTests(SqliteBackend b) : TxnCompareConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteWatchTests(SqliteBackend b) : WatchConformance(b), IClassFixture<SqliteBackend>;
public sealed class SqliteWatchLivenessTests(SqliteBackend b) : WatchLivenessConformance(b), IClassFixture<SqliteBackend>;

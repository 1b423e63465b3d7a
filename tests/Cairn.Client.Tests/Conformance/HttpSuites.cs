using Cairn.Conformance;

namespace Cairn.Client.Tests.Conformance;

// Every contract suite over HTTP: a server per test; the classes run in parallel. Concurrency goes over the Unix socket.
public sealed class HttpCompactionTests(HttpBackend b) : CompactionConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpKeyValidationTests(HttpBackend b) : KeyValidationConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpLeaseTests(HttpBackend b) : LeaseConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpPutDeleteTests(HttpBackend b) : PutDeleteConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpRangeTests(HttpBackend b) : RangeConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpRevisionTests(HttpBackend b) : RevisionConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpTxnTests(HttpBackend b) : TxnConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpTxnCompareTests(HttpBackend b) : TxnCompareConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpWatchTests(HttpBackend b) : WatchConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpWatchLivenessTests(HttpBackend b) : WatchLivenessConformance(b), IClassFixture<HttpBackend>;
public sealed class HttpConcurrencyTests(UnixSocketBackend b) : ConcurrencyConformance(b), IClassFixture<UnixSocketBackend>;

namespace Cairn.Volumes.Tests;

// The blob store's suite on the embedded log backend: a new log per test.
public sealed class LogBlobStoreTests(LogBackend b) : BlobStoreBehaviour(b), IClassFixture<LogBackend>;

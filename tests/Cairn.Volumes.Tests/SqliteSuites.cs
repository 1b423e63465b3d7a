namespace Cairn.Volumes.Tests;

// The blob store's suite on the embedded store: a new database per test.
public sealed class SqliteBlobStoreTests(SqliteBackend b) : BlobStoreBehaviour(b), IClassFixture<SqliteBackend>;

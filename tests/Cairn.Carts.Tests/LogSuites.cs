using Cairn.Carts.Tests.Store;

namespace Cairn.Carts.Tests;

// Carts' store on the embedded log backend: a new log per test.
public sealed class LogCartStoreTests(LogBackend b) : CartStoreBehaviour(b), IClassFixture<LogBackend>;

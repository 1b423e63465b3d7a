namespace Cairn.Coordination.Tests;

// Coordination on the embedded log backend: a new log per test; the classes run in parallel.
public sealed class LogLeaderElectionTests(LogBackend b) : LeaderElectionBehaviour(b), IClassFixture<LogBackend>;

public sealed class LogNodeRegistrationTests(LogBackend b) : NodeRegistrationBehaviour(b), IClassFixture<LogBackend>;

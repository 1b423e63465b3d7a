namespace Cairn.Journal.Tests;

// The journal's suites on the embedded log backend: a new log per test; the classes run in parallel.
public sealed class LogJournalConformance(LogBackend b) : JournalConformance(b), IClassFixture<LogBackend>;

public sealed class LogJournalInputConformance(LogBackend b) : JournalInputConformance(b), IClassFixture<LogBackend>;

namespace Cairn.ZooKeeper.Import;

/// <summary>Every run found under <c>/runs</c>.</summary>
/// <param name="Runs">The runs read, in run-id order.</param>
/// <param name="Unreadable">The runs whose znodes do not hold the original's layout, each with its znode and reason.</param>
public sealed record OriginalRuns(IReadOnlyList<OriginalRun> Runs, IReadOnlyList<OriginalLayoutException> Unreadable);

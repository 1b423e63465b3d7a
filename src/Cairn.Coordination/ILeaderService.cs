namespace Cairn.Coordination;

/// <summary>
/// Background work that must run on one node of the cluster at a time (schedulers, sweepers, compaction).
/// <see cref="LeaderServices"/> starts <see cref="RunAsync"/> when this node becomes leader and cancels it when it stops
/// being leader; the work must therefore tolerate being cut off at any point and resumed on another node.
/// </summary>
public interface ILeaderService
{
    /// <summary>A short name for logs.</summary>
    string Name { get; }

    /// <summary>Does the work until <paramref name="cancellationToken"/> fires (leadership lost or node stopping).</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

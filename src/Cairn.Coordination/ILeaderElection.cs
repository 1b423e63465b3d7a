namespace Cairn.Coordination;

/// <summary>Whether this node leads the cluster, and when that changes.</summary>
/// <remarks>Concurrency: <see cref="IsLeader"/> may be read from any thread; <see cref="LeadershipChanged"/> is raised
/// from the election's background loop, one change at a time, in order.</remarks>
public interface ILeaderElection
{
    /// <summary>This node's id as a candidate.</summary>
    string CandidateId { get; }

    /// <summary>True while this node holds the leader key.</summary>
    bool IsLeader { get; }

    /// <summary>Raised with the new value of <see cref="IsLeader"/> each time it changes.</summary>
    event EventHandler<bool>? LeadershipChanged;
}

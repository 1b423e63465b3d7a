namespace Cairn.ZooKeeper;

/// <summary>The outcome of a multi: applied as a whole, or not at all.</summary>
/// <param name="Succeeded">True when every operation applied; false when none did.</param>
/// <param name="Results">One result per operation, in order.</param>
public sealed record MultiResult(bool Succeeded, IReadOnlyList<OpResult> Results)
{
    /// <summary>Throws the typed exception (<see cref="ZooKeeperException.Create"/>) of the operation that made the multi fail.</summary>
    /// <exception cref="ZooKeeperException">The first operation whose code is neither Ok nor RuntimeInconsistency.</exception>
    public void ThrowIfFailed()
    {
        if (Succeeded)
        {
            return;
        }

        foreach (var result in Results)
        {
            if (result is ErrorOpResult { Code: not (ZooKeeperErrorCode.Ok or ZooKeeperErrorCode.RuntimeInconsistency) } error)
            {
                throw ZooKeeperException.Create(error.Code, error.Path);
            }
        }

        throw ZooKeeperException.Create(ZooKeeperErrorCode.RuntimeInconsistency);
    }
}

namespace Cairn.ZooKeeper;

/// <summary>
/// An operation of a failed multi: the failing one carries its error; the ones before it
/// <see cref="ZooKeeperErrorCode.Ok"/> (they would have applied) and the ones after it
/// <see cref="ZooKeeperErrorCode.RuntimeInconsistency"/> (not tried).
/// </summary>
/// <param name="Code">The operation's outcome.</param>
public sealed record ErrorOpResult(ZooKeeperErrorCode Code) : OpResult
{
    /// <summary>The operation's path relative to the chroot, to name it in an exception.</summary>
    public string? Path { get; init; }
}

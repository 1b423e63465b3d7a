namespace Cairn.ZooKeeper.Import;

/// <summary>A znode does not hold what the original's layout puts there, so it cannot be read as such.</summary>
/// <param name="path">The znode, relative to the chroot.</param>
/// <param name="reason">What is wrong with it, as a sentence.</param>
/// <param name="innerException">The parser's error, when there is one.</param>
public sealed class OriginalLayoutException(string path, string reason, Exception? innerException = null)
    : Exception($"{path}: {reason}", innerException)
{
    /// <summary>The znode, relative to the chroot.</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;
}

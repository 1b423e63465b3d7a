namespace Cairn.ZooKeeper;

/// <summary>
/// <see cref="ZooKeeperClient.ConnectAsync"/> could not start a usable session; the one-line message names the problem
/// (a malformed connect string, no server reachable in time, a chroot that does not exist, refused credentials).
/// </summary>
public sealed class ZooKeeperConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, on one line.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ZooKeeperConnectException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

namespace Cairn.Storage.ZooKeeper;

/// <summary>The ZooKeeper backend cannot start with these settings (connect string, chroot, root, credentials): waiting
/// will not help. The message is one line naming the problem.</summary>
public sealed class ZooKeeperBackendException(string message, Exception? innerException = null) : Exception(message, innerException);

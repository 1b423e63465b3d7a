using System.Text;

namespace Cairn.ZooKeeper;

/// <summary>Credentials for an authentication scheme of the server, sent with the <c>auth</c> packet.</summary>
/// <param name="Scheme">The scheme, e.g. <c>digest</c>.</param>
/// <param name="Data">The scheme's credential bytes; for <c>digest</c>, <c>user:password</c> in UTF-8.</param>
public sealed record ZooKeeperAuth(string Scheme, ReadOnlyMemory<byte> Data)
{
    /// <summary>The <c>digest</c> scheme's credentials: the identity <c>user</c> proven by <paramref name="password"/>.</summary>
    /// <param name="user">The user name; it must not contain a colon.</param>
    /// <param name="password">The password.</param>
    /// <returns>The credentials, to pass in <see cref="ZooKeeperClientOptions.Auth"/> or <see cref="ZooKeeperClient.AddAuthAsync"/>.</returns>
    public static ZooKeeperAuth Digest(string user, string password)
    {
        DigestId.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(password);
        return new ZooKeeperAuth("digest", Encoding.UTF8.GetBytes(user + ":" + password));
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Cairn.ZooKeeper;

// The digest scheme's identity, as the server's DigestAuthenticationProvider derives it: user:base64(sha1(user:password)).
internal static class DigestId
{
    public static void ValidateUser(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A digest user name cannot contain ':' (got '{user}'): the server splits user:password at the first colon.", nameof(user));
        }
    }

    public static string Of(string user, string password)
    {
        ValidateUser(user);
        ArgumentNullException.ThrowIfNull(password);
#pragma warning disable CA5350 // SHA-1 is what the digest scheme is defined with; it is the server's choice, not ours.
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(user + ":" + password));
#pragma warning restore CA5350
        return user + ":" + Convert.ToBase64String(hash);
    }
}

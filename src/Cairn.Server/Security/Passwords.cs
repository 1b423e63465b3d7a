using System.Security.Cryptography;
using System.Text;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>
/// Password hashing with bcrypt (BCrypt.Net-Next), as etcd: salted, slow by a work factor (<see cref="AuthOptions.BcryptCost"/>).
/// </summary>
internal sealed class Passwords
{
    /// <summary>The longest password: bcrypt reads only the first 72 bytes, and a longer one would be silently cut.</summary>
    public const int MaxBytes = 72;

    /// <summary>The smallest and largest work factors bcrypt accepts.</summary>
    public const int MinCost = 4, MaxCost = 31;

    private readonly Lazy<string> _dummy;

    /// <summary>Hashes with work factor <paramref name="cost"/>.</summary>
    /// <exception cref="StartupException"><paramref name="cost"/> is outside 4–31.</exception>
    public Passwords(int cost)
    {
        if (cost is < MinCost or > MaxCost)
        {
            throw new StartupException($"Auth:BcryptCost is {cost}; it must be {MinCost} to {MaxCost} (default 10; each step doubles the cost of a login).");
        }

        Cost = cost;

        // Checked against when there is no such user (or it has no password), so that a wrong name takes as long as a
        // wrong password and the answer does not tell which it was.
        _dummy = new(() => BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), cost));
    }

    /// <summary>The work factor.</summary>
    public int Cost { get; }

    /// <summary>Checks a new password.</summary>
    /// <exception cref="InvalidArgumentException">It is empty or longer than <see cref="MaxBytes"/>.</exception>
    public static void Validate(string password)
    {
        if (password.Length == 0)
        {
            throw new InvalidArgumentException("A password must not be empty (to remove a user's password, send null).");
        }

        if (Encoding.UTF8.GetByteCount(password) > MaxBytes)
        {
            throw new InvalidArgumentException($"A password is at most {MaxBytes} bytes (bcrypt ignores the rest).");
        }
    }

    /// <summary>A new salted hash of <paramref name="password"/> (slow: the work factor).</summary>
    public string Hash(string password)
    {
        Validate(password);
        return BCrypt.Net.BCrypt.HashPassword(password, Cost);
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; with a null hash, spends the same time
    /// on a dummy hash and says no.</summary>
    public bool Verify(string password, string? hash)
    {
        if (password.Length == 0 || Encoding.UTF8.GetByteCount(password) > MaxBytes)
        {
            _ = SafeVerify("x", _dummy.Value);
            return false;
        }

        if (hash is null)
        {
            _ = SafeVerify(password, _dummy.Value);
            return false;
        }

        return SafeVerify(password, hash);
    }

    private static bool SafeVerify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            // A stored hash that is not bcrypt (written by hand under /cairn/auth/): no password matches it.
            return false;
        }
    }
}

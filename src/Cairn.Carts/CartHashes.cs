using System.Security.Cryptography;
using Cairn.Core;

namespace Cairn.Carts;

/// <summary>The hash types a cart's files may name (those the seed's users send: <c>md5</c>, <c>sha1</c>,
/// <c>sha256</c>, <c>sha384</c>, <c>sha512</c>; names case-insensitive, also as <c>SHA-256</c>), computed while a file
/// is copied, and compared as case-insensitive hex.</summary>
public static class CartHashes
{
    /// <summary>The names accepted, lower case, without dashes.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["md5", "sha1", "sha256", "sha384", "sha512"];

    /// <summary>The canonical name (<c>sha256</c>) of <paramref name="hashType"/>.</summary>
    /// <exception cref="Core.InvalidArgumentException">It is not supported; the message lists those that are.</exception>
    public static string Normalize(string hashType)
    {
        var canonical = (hashType ?? string.Empty).Trim().Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        foreach (var name in Supported)
        {
            if (name == canonical)
            {
                return name;
            }
        }

        throw new InvalidArgumentException(
            $"Hash type {CartPaths.Quote(hashType ?? string.Empty)} is not supported; use one of {string.Join(", ", Supported)}.");
    }

    /// <summary>A new incremental hash of canonical type <paramref name="hashType"/>.</summary>
    public static IncrementalHash Create(string hashType) => IncrementalHash.CreateHash(Normalize(hashType) switch
    {
        "md5" => HashAlgorithmName.MD5,
        "sha1" => HashAlgorithmName.SHA1,
        "sha256" => HashAlgorithmName.SHA256,
        "sha384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    });

    /// <summary>True when <paramref name="expectedHex"/> (any case, surrounding spaces ignored) is <paramref name="actual"/>.</summary>
    public static bool Matches(string expectedHex, ReadOnlySpan<byte> actual)
    {
        if (expectedHex is null)
        {
            return false;
        }

        var hex = expectedHex.AsSpan().Trim(' ');
        if (hex.Length != actual.Length * 2)
        {
            return false;
        }

        for (var i = 0; i < actual.Length; i++)
        {
            var high = Nibble(hex[2 * i]);
            var low = Nibble(hex[(2 * i) + 1]);
            if (high < 0 || low < 0 || ((high << 4) | low) != actual[i])
            {
                return false;
            }
        }

        return true;
    }

    private static int Nibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}

using System.Security.Cryptography;

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
    public static string Normalize(string hashType) => throw new NotImplementedException();

    /// <summary>A new incremental hash of canonical type <paramref name="hashType"/>.</summary>
    public static IncrementalHash Create(string hashType) => throw new NotImplementedException();

    /// <summary>True when <paramref name="expectedHex"/> (any case, surrounding spaces ignored) is <paramref name="actual"/>.</summary>
    public static bool Matches(string expectedHex, ReadOnlySpan<byte> actual) => throw new NotImplementedException();
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Server.Security;

/// <summary>
/// Bearer tokens: 32 random bytes as base64url after a prefix that says their kind (<see cref="TokenKinds"/>). The store
/// keeps only the SHA-256 of the whole token, so a copy of the keyspace gives no one a usable token.
/// </summary>
internal static class BearerTokens
{
    /// <summary>Random bytes in a token.</summary>
    public const int SecretBytes = 32;

    /// <summary>Characters of the base64url (unpadded) form of <see cref="SecretBytes"/>.</summary>
    public const int SecretChars = 43;

    /// <summary>A new token of <paramref name="kind"/>.</summary>
    public static string New(string kind)
    {
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        return TokenKinds.PrefixOf(kind) + Base64Url.EncodeToString(secret);
    }

    /// <summary>A new token id: 16 hex digits, random (it is shown in listings and audit lines; it grants nothing).</summary>
    public static string NewId()
    {
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        return Convert.ToHexStringLower(id);
    }

    /// <summary>The SHA-256 of <paramref name="token"/>, lower-case hex, as stored.</summary>
    public static string Hash(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(token, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes the SHA-256 of <paramref name="token"/> to <paramref name="hash"/>.</summary>
    public static void Hash(ReadOnlySpan<char> token, Span<byte> hash)
    {
        var length = Encoding.UTF8.GetByteCount(token);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(token, bytes);
        SHA256.HashData(bytes, hash);
    }

    /// <summary>The kind of a well-formed token (a known prefix, then exactly <see cref="SecretChars"/> base64url
    /// characters); null for anything else.</summary>
    public static string? KindOf(string token)
    {
        string? kind = token.StartsWith(TokenKinds.LoginPrefix, StringComparison.Ordinal) ? TokenKinds.Login
            : token.StartsWith(TokenKinds.ApiPrefix, StringComparison.Ordinal) ? TokenKinds.Api
            : token.StartsWith(TokenKinds.NodePrefix, StringComparison.Ordinal) ? TokenKinds.Node
            : null;
        if (kind is null)
        {
            return null;
        }

        var secret = token.AsSpan(TokenKinds.PrefixOf(kind).Length);
        return secret.Length == SecretChars && Base64Url.IsValid(secret, out var decoded) && decoded == SecretBytes ? kind : null;
    }
}

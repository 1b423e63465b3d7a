using System.Text;
using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// The rules for blob keys. A key is a path such as <c>a/b/c.txt</c>: 1–1024 bytes of UTF-8, any character a URL can
/// carry (percent-decoded: spaces, <c>-</c>, <c>+</c>, <c>?</c>, <c>%</c>, <c>#</c>, non-ASCII…), except control
/// characters; <c>/</c> separates segments, and no segment is empty, <c>.</c> or <c>..</c>. A key never names a file
/// (files are named by a random blob id), so these rules are about keys meaning one thing, not about file paths.
/// </summary>
public static class BlobNames
{
    /// <summary>Longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Keys under this prefix are Cairn's own (the journal keeps its large messages there): <c>/v1/blobs</c>
    /// and the Pulzar API refuse them, and listings and searches leave them out.</summary>
    public const string ReservedPrefix = ".cairn/";

    /// <summary>True when <paramref name="key"/> is under <see cref="ReservedPrefix"/>.</summary>
    public static bool IsReserved(string key) => key.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="key"/> is a usable blob key.</summary>
    public static void ValidateKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidArgumentException("A blob key must not be empty.");
        }

        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            throw new InvalidArgumentException($"A blob key is at most {MaxKeyBytes} bytes of UTF-8.");
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                throw new InvalidArgumentException($"A blob key must not contain control characters (U+{(int)c:X4}).");
            }

            if (char.IsSurrogate(c) && !IsWellFormed(key))
            {
                throw new InvalidArgumentException("A blob key must be valid Unicode.");
            }
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw new InvalidArgumentException($"A blob key is a path of non-empty segments ('a/b/c.txt'); '{key}' has an empty one (a leading, trailing or doubled '/').");
            }

            if (segment is "." or "..")
            {
                throw new InvalidArgumentException($"A blob key must not contain a '{segment}' segment; got '{key}'.");
            }
        }
    }

    /// <summary><paramref name="key"/>, after <see cref="ValidateKey"/>.</summary>
    public static string ValidatedKey(string? key)
    {
        ValidateKey(key);
        return key!;
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a blob id or volume id: 32 lowercase hex digits.</summary>
    public static bool IsId(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>A new random id (blob or volume).</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");
}

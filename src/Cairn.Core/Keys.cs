using System.Text;

namespace Cairn.Core;

/// <summary>Rules every key obeys, whatever the backend.</summary>
public static class Keys
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="key"/> is a usable key.</summary>
    public static void Validate(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidArgumentException("A key must not be empty.");
        }

        ValidateBound(key, "key");
        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("A key must not contain a NUL character.");
        }
    }

    /// <summary>Like <see cref="Validate"/>, but the empty string is allowed (a range bound or prefix).</summary>
    public static void ValidateBound(string? value, string what)
    {
        if (value is null)
        {
            throw new InvalidArgumentException($"The {what} is missing.");
        }

        // A .NET string can hold lone surrogates, which have no UTF-8 form; reject them instead of storing U+FFFD.
        try
        {
            _ = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new InvalidArgumentException($"The {what} is not valid Unicode text (it contains a lone surrogate).");
        }
    }

    /// <summary>Decodes UTF-8 key bytes strictly; invalid UTF-8 is an <see cref="InvalidArgumentException"/>.</summary>
    public static string Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidArgumentException("The key is not valid UTF-8.");
        }
    }

    /// <summary>
    /// The smallest string greater than every string that starts with <paramref name="prefix"/>, in UTF-8 byte order
    /// (which is code-point order); null when there is none (every key is then inside the prefix range).
    /// </summary>
    public static string? PrefixEnd(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF)
            {
                continue;
            }

            var next = last == 0xD7FF ? 0xE000 : last + 1;
            return string.Concat(runes.Select(r => r.ToString())) + new Rune(next).ToString();
        }

        return null;
    }

    /// <summary>Number of UTF-8 bytes in <paramref name="key"/>.</summary>
    public static int ByteCount(string key) => Encoding.UTF8.GetByteCount(key);
}

using System.Globalization;
using System.Text;
using Cairn.Core;

namespace Cairn.Carts;

/// <summary>
/// The names a cart takes from its requester, checked before anything is stored: its uid (one key segment and the
/// bundle's root), each file's path in the tar, archive ids, and the download's file name (whose name minus a trailing
/// <c>.tar</c> is the tar's root). Staged files are named on disk by their index in the cart, never by these, so no
/// name reaches a file path; these rules keep the tar itself safe to extract.
/// </summary>
public static class CartPaths
{
    /// <summary>Longest uid, in characters.</summary>
    public const int MaxUidLength = 128;

    /// <summary>Longest file path in the tar, in UTF-8 bytes (PAX headers carry names past ustar's 100/155).</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>Longest segment of a path, in UTF-8 bytes (what a Linux file system takes).</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>Longest archive id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 4096;

    // Longest input quoted back in a message; the rest is elided so a megabyte of garbage does not become the message.
    private const int MaxQuoted = 160;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Returns <paramref name="uid"/> when it is 1–128 ASCII letters, digits, <c>-</c>, <c>_</c>, <c>.</c>,
    /// <c>:</c>, <c>@</c>, and not <c>.</c> or <c>..</c>.</summary>
    /// <exception cref="Core.InvalidArgumentException">It is not; the message says which rule it breaks.</exception>
    public static string CheckUid(string? uid)
    {
        if (string.IsNullOrEmpty(uid))
        {
            throw new InvalidArgumentException("A cart uid is required (1–128 ASCII letters, digits, '-', '_', '.', ':', '@').");
        }

        if (uid.Length > MaxUidLength)
        {
            throw new InvalidArgumentException($"Cart uid {Quote(uid)} is {uid.Length} characters long; at most {MaxUidLength} are allowed.");
        }

        foreach (var c in uid)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@'))
            {
                throw new InvalidArgumentException(
                    $"Cart uid {Quote(uid)} holds {Describe(c)}; only ASCII letters, digits, '-', '_', '.', ':' and '@' are allowed.");
            }
        }

        return uid is "." or ".."
            ? throw new InvalidArgumentException($"Cart uid {Quote(uid)} is not allowed ('.' and '..' name directories).")
            : uid;
    }

    /// <summary>
    /// The path a file takes in the tar under the root: leading <c>/</c>s dropped, empty and <c>.</c> segments dropped;
    /// refused when empty then, or with a <c>..</c> segment, a NUL or other control character, a <c>\</c>, a segment
    /// over <see cref="MaxSegmentBytes"/> or over <see cref="MaxPathBytes"/> in all.
    /// </summary>
    /// <exception cref="Core.InvalidArgumentException">Refused; the message quotes the path (escaped) and the rule.</exception>
    public static string NormalizeFilePath(string? path)
    {
        if (path is null)
        {
            throw new InvalidArgumentException("A file path is required.");
        }

        CheckCharacters(path, "File path");
        if (path.Contains('\\', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"File path {Quote(path)} holds a '\\'; separate directories with '/'.");
        }

        var kept = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw new InvalidArgumentException($"File path {Quote(path)} has a '..' segment; paths must stay under the cart's root.");
            }

            var bytes = Encoding.UTF8.GetByteCount(segment);
            if (bytes > MaxSegmentBytes)
            {
                throw new InvalidArgumentException(
                    $"File path {Quote(path)} has a segment of {bytes} bytes; at most {MaxSegmentBytes} UTF-8 bytes are allowed per segment.");
            }

            kept.Add(segment);
        }

        if (kept.Count == 0)
        {
            throw new InvalidArgumentException($"File path {Quote(path)} names no file (it is empty once '/' and '.' segments are dropped).");
        }

        var normalized = string.Join('/', kept);
        var total = Encoding.UTF8.GetByteCount(normalized);
        return total > MaxPathBytes
            ? throw new InvalidArgumentException($"File path {Quote(path)} is {total} bytes long; at most {MaxPathBytes} UTF-8 bytes are allowed.")
            : normalized;
    }

    /// <summary>Checks a cart's paths together: no two equal, and none both a file and a directory of another
    /// (<c>a</c> and <c>a/b</c>), which would make the tar extract differently from what was asked.</summary>
    /// <exception cref="Core.InvalidArgumentException">Two paths clash; the message names both.</exception>
    public static void CheckDistinct(IReadOnlyList<string> normalizedPaths)
    {
        ArgumentNullException.ThrowIfNull(normalizedPaths);

        // Sorted with '/' below every other character (normalised paths hold no NUL, so NUL stands in for it), a path
        // that is a directory of others is directly followed by one of them, so comparing neighbours finds every clash.
        var keys = new string[normalizedPaths.Count];
        var order = new int[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = normalizedPaths[i].Replace('/', '\0');
            order[i] = i;
        }

        Array.Sort(keys, order, StringComparer.Ordinal);
        for (var i = 1; i < keys.Length; i++)
        {
            var previous = normalizedPaths[order[i - 1]];
            var current = normalizedPaths[order[i]];
            if (previous == current)
            {
                throw new InvalidArgumentException($"File path {Quote(current)} appears twice in the cart; each file needs its own path.");
            }

            if (current.Length > previous.Length && current[previous.Length] == '/' && current.StartsWith(previous, StringComparison.Ordinal))
            {
                throw new InvalidArgumentException(
                    $"File path {Quote(previous)} is also a directory of {Quote(current)}; a tar cannot hold both.");
            }
        }
    }

    /// <summary>Returns the archive id <paramref name="id"/> when it is 1–4096 bytes with no NUL or control character.</summary>
    /// <exception cref="Core.InvalidArgumentException">It is not.</exception>
    public static string CheckArchiveId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new InvalidArgumentException("A file's archive id is required.");
        }

        CheckCharacters(id, "Archive id");
        var bytes = Encoding.UTF8.GetByteCount(id);
        return bytes > MaxIdBytes
            ? throw new InvalidArgumentException($"Archive id {Quote(id)} is {bytes} bytes long; at most {MaxIdBytes} UTF-8 bytes are allowed.")
            : id;
    }

    /// <summary>The download's default name: <c>data_yyyy_MM_dd_HH_mm_ss.tar</c> of <paramref name="readyAt"/> in UTC
    /// (the seed's name, of the time the cart became ready rather than of the request, so a resumed download gets the
    /// same tar).</summary>
    public static string DefaultFileName(DateTimeOffset readyAt) =>
        "data_" + readyAt.UtcDateTime.ToString("yyyy_MM_dd_HH_mm_ss", CultureInfo.InvariantCulture) + ".tar";

    /// <summary>The tar's root for a download named <paramref name="fileName"/> (null: <see cref="DefaultFileName"/>):
    /// the name minus one trailing <c>.tar</c>, in both download modes. Refused when that is empty, <c>.</c>,
    /// <c>..</c>, or holds <c>/</c>, <c>\</c>, NUL or a control character, or is over <see cref="MaxSegmentBytes"/>.</summary>
    /// <exception cref="Core.InvalidArgumentException">Refused.</exception>
    public static string TarRoot(string? fileName, DateTimeOffset readyAt)
    {
        var name = fileName ?? DefaultFileName(readyAt);
        var root = name.EndsWith(".tar", StringComparison.Ordinal) ? name[..^4] : name;
        if (root.Length == 0 || root is "." or "..")
        {
            throw new InvalidArgumentException(
                $"Download name {Quote(name)} leaves {Quote(root)} as the tar's root directory; name the file e.g. 'data.tar'.");
        }

        CheckCharacters(name, "Download name");
        if (root.Contains('/', StringComparison.Ordinal) || root.Contains('\\', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"Download name {Quote(name)} holds a '/' or '\\'; it must be a plain file name.");
        }

        var bytes = Encoding.UTF8.GetByteCount(root);
        return bytes > MaxSegmentBytes
            ? throw new InvalidArgumentException(
                $"Download name {Quote(name)} gives a root of {bytes} bytes; at most {MaxSegmentBytes} UTF-8 bytes are allowed.")
            : root;
    }

    /// <summary>The text in double quotes with control characters, backslashes and quotes escaped, cut when long.</summary>
    internal static string Quote(string text) => "\"" + Escape(text) + "\"" + (text.Length > MaxQuoted ? $" ({text.Length} characters)" : string.Empty);

    /// <summary>The text with control characters, lone surrogates, backslashes and double quotes escaped, cut after
    /// <see cref="MaxQuoted"/> characters (then ending with <c>…</c>), fit to quote in a message.</summary>
    internal static string Escape(string text, int max = MaxQuoted)
    {
        var length = Math.Min(text.Length, max);
        var builder = new StringBuilder(length + 8);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) || char.IsSurrogate(c) => builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => builder.Append(c),
            };
        }

        return text.Length > max ? builder.Append('…').ToString() : builder.ToString();
    }

    private static void CheckCharacters(string text, string what)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                throw new InvalidArgumentException(
                    $"{what} {Quote(text)} holds {Describe(c)}; NUL and other control characters are not allowed.");
            }
        }

        try
        {
            _ = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new InvalidArgumentException($"{what} {Quote(text)} is not valid Unicode (it holds a lone surrogate).");
        }
    }

    private static string Describe(char c) =>
        c == '\0' ? "a NUL character" : char.IsControl(c) ? $"the control character U+{(int)c:X4}" : $"the character '{c}'";
}

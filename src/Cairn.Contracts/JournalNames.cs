using System.Text;
using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// What a request id (txid) and a step name may be: any Unicode text the seed's server took as a path segment — spaces,
/// <c>@ + % # ~</c>, non-ASCII letters included — except what cannot be one safely: empty, <c>/</c> (the separator of
/// the API's paths and of the journal's keys), control characters (U+0000–U+001F, U+007F), lone surrogates (no UTF-8
/// form), and <c>.</c> or <c>..</c> as the whole name (a path that resolves elsewhere). At most
/// <see cref="MaxTxidBytes"/> / <see cref="MaxStepBytes"/> bytes of UTF-8.
/// </summary>
/// <remarks>
/// Names reach keys and the secondary's file names; those are encoded where a name could not be one as it is
/// (<c>JournalKeys</c>, <c>JournalSpool</c>), so the rules here are only what no encoding can fix.
/// </remarks>
public static class JournalNames
{
    /// <summary>Longest request id accepted, in bytes of UTF-8. The seed's server (gunicorn, limit_request_line 4094)
    /// took a request line of at most 4094 bytes, method, path and protocol included, so no txid it accepted was
    /// longer than this.</summary>
    public const int MaxTxidBytes = 4096;

    /// <summary>Longest step name accepted, in bytes of UTF-8: the same bound, for the same reason.</summary>
    public const int MaxStepBytes = 4096;

    /// <summary>The step that makes a request "in progress".</summary>
    public const string Begin = "begin";

    /// <summary>The step that finishes a request as committed.</summary>
    public const string Commit = "commit";

    /// <summary>The step that finishes a request as aborted.</summary>
    public const string Abort = "abort";

    // How much of a refused name an error message repeats.
    private const int ShownChars = 80;

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="txid"/> is a valid request id.</summary>
    public static void ValidateTxid(string? txid) => Validate(txid, "request id (txid)", MaxTxidBytes);

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="step"/> is a valid step name.</summary>
    public static void ValidateStep(string? step) => Validate(step, "step", MaxStepBytes);

    /// <summary>True when <paramref name="name"/> is a valid txid or step of at most <paramref name="maxBytes"/> bytes of UTF-8.</summary>
    public static bool IsValid(string? name, int maxBytes) => Problem(name, "name", maxBytes) is null;

    private static void Validate(string? name, string what, int maxBytes)
    {
        if (Problem(name, what, maxBytes) is { } problem)
        {
            throw new InvalidArgumentException(problem);
        }
    }

    // Why `name` is not a valid name, or null when it is.
    private static string? Problem(string? name, string what, int maxBytes)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"The {what} must not be empty.";
        }

        if (name is "." or "..")
        {
            return $"The {what} must not be '{name}': a path with it would resolve to another one.";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '/')
            {
                return $"The {what} '{Printable(name)}' contains '/', which separates the parts of a journal path; use another character.";
            }

            if (c < 0x20 || c == 0x7F)
            {
                return $"The {what} '{Printable(name)}' contains the control character U+{(int)c:X4} at position {i}; control characters (U+0000-U+001F, U+007F) are not allowed.";
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])))
            {
                return $"The {what} '{Printable(name)}' is not valid Unicode text (a lone surrogate at position {i}).";
            }

            if (char.IsHighSurrogate(c))
            {
                i++;
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > maxBytes)
        {
            return $"The {what} is {bytes} bytes long in UTF-8; at most {maxBytes} are allowed.";
        }

        return null;
    }

    // The name as an error message shows it: control characters and lone surrogates as '?', at most ShownChars
    // characters (never half a surrogate pair).
    private static string Printable(string name)
    {
        var shown = new StringBuilder(Math.Min(name.Length, ShownChars) + 1);
        var rest = name.AsSpan();
        while (!rest.IsEmpty && shown.Length < ShownChars)
        {
            var status = Rune.DecodeFromUtf16(rest, out var rune, out var used);
            if (status != System.Buffers.OperationStatus.Done || rune.Value < 0x20 || rune.Value == 0x7F)
            {
                shown.Append('?');
            }
            else
            {
                shown.Append(rest[..used]);
            }

            rest = rest[used..];
        }

        return rest.IsEmpty ? shown.ToString() : shown.Append('…').ToString();
    }
}

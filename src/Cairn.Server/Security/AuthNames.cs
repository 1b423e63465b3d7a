using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>Which user and role names are accepted: 1–128 of ASCII letters, digits and <c>. _ @ -</c>, not starting with
/// <c>.</c> (they become keys and appear in logs and audit lines).</summary>
internal static class AuthNames
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 128;

    /// <summary>Checks <paramref name="name"/> as a <paramref name="what"/> (<c>user</c>, <c>role</c>) name.</summary>
    /// <exception cref="InvalidArgumentException">It is not a valid name; the message says why.</exception>
    public static void Validate(string what, string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] == '.' || !name.All(IsAllowed))
        {
            throw new InvalidArgumentException($"A {what} name is 1 to {MaxLength} of letters, digits and . _ @ - (not starting with .); got '{Shorten(name)}'.");
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '-';

    private static string Shorten(string? name) => name is null ? "" : name.Length > 40 ? name[..40] + "…" : name;
}

using Cairn.Core;

namespace Cairn.Coordination;

/// <summary>
/// The names the recipes put into keys (run ids, node names, parameter names, pool, lock, election, barrier and queue
/// names, item ids): one key segment each, so that no name can reach another's keys.
/// </summary>
public static class CoordinationNames
{
    /// <summary>Longest name, in characters.</summary>
    public const int MaxLength = 128;

    /// <summary>Returns <paramref name="name"/> when it is 1–128 characters of ASCII letters, digits, <c>-</c>, <c>_</c>,
    /// <c>.</c>, <c>:</c>, <c>@</c> and space (not leading or trailing), and not <c>.</c> or <c>..</c>.</summary>
    /// <param name="what">What the name names, for the message (e.g. <c>run id</c>).</param>
    /// <param name="name">The name.</param>
    /// <exception cref="InvalidArgumentException">It is not such a name; the message says which rule it breaks.</exception>
    public static string Check(string what, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidArgumentException($"A {what} is required.");
        }

        if (name.Length > MaxLength)
        {
            throw new InvalidArgumentException($"A {what} is at most {MaxLength} characters; got {name.Length}.");
        }

        if (name is "." or "..")
        {
            throw new InvalidArgumentException($"'{name}' is not a {what}.");
        }

        if (name[0] == ' ' || name[^1] == ' ')
        {
            throw new InvalidArgumentException($"A {what} cannot begin or end with a space: '{name}'.");
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@' or ' '))
            {
                throw new InvalidArgumentException(
                    $"A {what} is letters, digits, '-', '_', '.', ':', '@' and spaces; '{name}' contains {Describe(c)}.");
            }
        }

        return name;
    }

    /// <summary>True when <paramref name="name"/> passes <see cref="Check"/>.</summary>
    public static bool IsValid(string? name)
    {
        try
        {
            Check("name", name);
            return true;
        }
        catch (InvalidArgumentException)
        {
            return false;
        }
    }

    private static string Describe(char c) => c switch
    {
        '/' => "'/'",
        _ when char.IsControl(c) => $"a control character (U+{(int)c:X4})",
        _ => $"'{c}'",
    };
}

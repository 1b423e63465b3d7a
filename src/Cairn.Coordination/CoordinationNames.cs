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

    /// <summary>Throws <see cref="InvalidArgumentException"/> naming <paramref name="what"/> unless <paramref name="name"/>
    /// is 1–128 characters of ASCII letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>:</c>, <c>@</c> and space (not
    /// leading or trailing), and not <c>.</c> or <c>..</c>.</summary>
    public static string Check(string what, string? name) => throw new NotImplementedException();
}

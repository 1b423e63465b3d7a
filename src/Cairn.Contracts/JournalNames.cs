using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// What a request id (txid) and a step name may be. Both end up in keys, in spool file names and in export rows, so
/// they are restricted to a safe set: ASCII letters, digits and <c>- _ . :</c>, not starting with a dot (so never
/// <c>.</c> or <c>..</c>), at most <see cref="MaxTxidLength"/> / <see cref="MaxStepLength"/> characters.
/// </summary>
public static class JournalNames
{
    /// <summary>Longest request id accepted.</summary>
    public const int MaxTxidLength = 128;

    /// <summary>Longest step name accepted.</summary>
    public const int MaxStepLength = 64;

    /// <summary>The step that makes a request "in progress".</summary>
    public const string Begin = "begin";

    /// <summary>The step that finishes a request as committed.</summary>
    public const string Commit = "commit";

    /// <summary>The step that finishes a request as aborted.</summary>
    public const string Abort = "abort";

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="txid"/> is a valid request id.</summary>
    public static void ValidateTxid(string? txid) => Validate(txid, "request id (txid)", MaxTxidLength);

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="step"/> is a valid step name.</summary>
    public static void ValidateStep(string? step) => Validate(step, "step", MaxStepLength);

    /// <summary>True when <paramref name="name"/> is a valid txid or step of at most <paramref name="maxLength"/> characters.</summary>
    public static bool IsValid(string? name, int maxLength) =>
        !string.IsNullOrEmpty(name) && name.Length <= maxLength && name[0] != '.' && name.All(IsAllowed);

    private static void Validate(string? name, string what, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidArgumentException($"The {what} must not be empty.");
        }

        if (name.Length > maxLength)
        {
            throw new InvalidArgumentException($"The {what} is {name.Length} characters long; at most {maxLength} are allowed.");
        }

        if (name[0] == '.' || !name.All(IsAllowed))
        {
            throw new InvalidArgumentException(
                $"The {what} '{Printable(name)}' is not allowed: use ASCII letters, digits and - _ . : only, not starting with a dot.");
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':';

    private static string Printable(string name) =>
        new([.. name.Take(MaxTxidLength).Select(c => char.IsControl(c) ? '?' : c)]);
}

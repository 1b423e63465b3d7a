using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// The journal's rule for request ids and step names, checked before a request is sent so that a bad name fails fast
/// with a clear message and never reaches a URL: ASCII letters, digits and <c>- _ . :</c>, not starting with a dot,
/// at most 128 (txid) / 64 (step) characters. The server checks the same rule (<c>Cairn.Journal.JournalNames</c>).
/// </summary>
internal static class JournalName
{
    public const int MaxTxidLength = 128;

    public const int MaxStepLength = 64;

    public static void ValidateTxid(string? txid) => Validate(txid, "request id (txid)", MaxTxidLength);

    public static void ValidateStep(string? step) => Validate(step, "step", MaxStepLength);

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
            var printable = new string([.. name.Take(MaxTxidLength).Select(c => char.IsControl(c) ? '?' : c)]);
            throw new InvalidArgumentException(
                $"The {what} '{printable}' is not allowed: use ASCII letters, digits and - _ . : only, not starting with a dot.");
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':';
}

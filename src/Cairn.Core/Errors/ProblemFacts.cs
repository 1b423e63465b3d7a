namespace Cairn.Core;

/// <summary>What a problem document says, as <see cref="ErrorEntry.Rebuild"/> reads it.</summary>
/// <param name="Detail">The problem's <c>detail</c>.</param>
/// <param name="Number">Reads a numeric extension by name (null when absent).</param>
/// <param name="Text">Reads a string extension by name (null when absent).</param>
public sealed record ProblemFacts(string Detail, Func<string, long?> Number, Func<string, string?> Text);

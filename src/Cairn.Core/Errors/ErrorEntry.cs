namespace Cairn.Core;

/// <summary>One row of <see cref="ErrorCatalog"/>.</summary>
/// <param name="Code">The stable code (<see cref="ErrorCodes"/>).</param>
/// <param name="Status">The HTTP status it is answered with.</param>
/// <param name="Title">The problem's <c>title</c>.</param>
/// <param name="Rebuild">Makes the typed exception again from a problem's facts.</param>
public sealed record ErrorEntry(string Code, int Status, string Title, Func<ProblemFacts, CairnException> Rebuild);

namespace Cairn.Contracts;

/// <summary>The last event of an event stream that the server ends with an error (<c>event: error</c>): the problem's
/// code, its detail, and its extensions.</summary>
public sealed record StreamErrorDto
{
    /// <summary>The error code (see the error table).</summary>
    public string Code { get; init; } = "";

    /// <summary>What went wrong.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The problem's extensions (e.g. <c>compactRevision</c>).</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();
}

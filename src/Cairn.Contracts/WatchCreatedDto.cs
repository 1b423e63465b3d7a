namespace Cairn.Contracts;

/// <summary>A watch has started: the <c>created</c> event of an SSE watch, and <c>{"created": …}</c> on a watch socket.</summary>
public sealed record WatchCreatedDto
{
    /// <summary>Which watch, on a socket that carries several; absent on SSE.</summary>
    public long? WatchId { get; init; }

    /// <summary>The first revision it delivers.</summary>
    public long StartRevision { get; init; }

    /// <summary>The store revision when it started.</summary>
    public long Revision { get; init; }
}

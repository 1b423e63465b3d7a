namespace Cairn.Contracts;

/// <summary>
/// What the server sends on a watch socket besides the watches' deliveries (<see cref="WatchResponseDto"/>): exactly one
/// of a watch created or ended, a lease kept alive, or an error about a message.
/// </summary>
public sealed record SocketEventDto
{
    /// <summary>A watch has started.</summary>
    public WatchCreatedDto? Created { get; init; }

    /// <summary>A watch has ended.</summary>
    public WatchCanceledDto? Canceled { get; init; }

    /// <summary>A lease was kept alive.</summary>
    public LeaseDto? Keepalive { get; init; }

    /// <summary>A message could not be acted on.</summary>
    public SocketErrorDto? Error { get; init; }
}

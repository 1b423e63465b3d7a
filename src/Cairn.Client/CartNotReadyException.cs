using Cairn.Core;

namespace Cairn.Client;

/// <summary>A cart's tar was asked for before it was ready (HTTP 409 on <c>GET /v1/carts/{uid}/tar</c>): it is still
/// waiting, staging or bundling, or it failed (<see cref="State"/> <c>error</c>, the reason in the message).</summary>
/// <remarks>Raised by the client only, from the server's <c>conflict</c> problem on that route, so that a caller can
/// tell "not yet" apart from other conflicts; its <see cref="Code"/> is the server's.</remarks>
public sealed class CartNotReadyException(string uid, string message) : CairnException(message)
{
    /// <inheritdoc />
    public override string Code => ErrorCodes.Conflict;

    /// <summary>The cart's uid.</summary>
    public string Uid { get; } = uid;

    /// <summary>The cart's state as the server said it (<c>waiting</c>, <c>staging</c>, <c>bundling</c>, <c>error</c>),
    /// when it said it.</summary>
    public string? State { get; init; }

    /// <summary>How long the server suggests waiting before asking again (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True unless the cart failed: asking again later may succeed.</summary>
    public override bool IsTransient => State != Contracts.CartStates.Error;
}

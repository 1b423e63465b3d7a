using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// A message a client sends on the watch WebSocket: exactly one of <c>create</c> (start a watch), <c>cancel</c> (stop
/// one: <c>{"watchId": N}</c>) or <c>keepalive</c> (renew a lease: <c>{"lease": ID}</c>).
/// </summary>
public sealed class SocketRequestDto
{
    public WatchCreateDto? Create { get; set; }

    public SocketCancelDto? Cancel { get; set; }

    public SocketKeepAliveDto? KeepAlive { get; set; }
}

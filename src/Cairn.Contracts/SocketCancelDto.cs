using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>Stop a watch on this socket.</summary>
public sealed class SocketCancelDto
{
    public long WatchId { get; set; }
}

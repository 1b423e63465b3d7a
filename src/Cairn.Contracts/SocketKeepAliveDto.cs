using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>Renew a lease over the socket.</summary>
public sealed class SocketKeepAliveDto
{
    public long Lease { get; set; }
}

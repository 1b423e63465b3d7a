namespace Cairn.Server.Security;

/// <summary>The process at the other end of a Unix socket connection (<c>SO_PEERCRED</c>), read once when the connection
/// is accepted and set as a connection and request feature.</summary>
/// <param name="ProcessId">Its pid.</param>
/// <param name="UserId">Its effective uid.</param>
/// <param name="GroupId">Its effective gid.</param>
internal sealed record PeerCredentials(int ProcessId, uint UserId, uint GroupId);

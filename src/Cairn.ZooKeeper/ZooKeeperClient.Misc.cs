using Microsoft.Extensions.Logging;

namespace Cairn.ZooKeeper;

// The session-level requests: sync, getEphemerals, auth, closeSession.
public sealed partial class ZooKeeperClient
{
    /// <summary>
    /// Makes the server this client is connected to catch up with the leader up to now, so that a read queued after
    /// this (even without awaiting it) sees every write committed before the sync.
    /// </summary>
    /// <param name="path">A node's path (the server uses it only for access logging and quotas).</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>A task that completes when the server has caught up.</returns>
    public Task SyncAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new SyncRequest(ToServer(path), path), cancellationToken);
    }

    /// <summary>Lists the ephemeral nodes this session owns whose paths start with <paramref name="prefixPath"/>.</summary>
    /// <param name="prefixPath">A path prefix (a plain string prefix, not only whole names); <c>/</c> for all.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The ephemerals' paths relative to the chroot, in no particular order.</returns>
    public Task<IReadOnlyList<string>> GetEphemeralsAsync(string prefixPath, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(prefixPath, false, nameof(prefixPath));
        return SubmitAsync(new GetEphemeralsRequest(this, prefixPath), cancellationToken);
    }

    /// <summary>
    /// Adds credentials to the session, now and on every reconnect. Credentials the server refuses end the client
    /// (<see cref="ZooKeeperState.AuthFailed"/>), as with the Java client; the <c>digest</c> scheme accepts any.
    /// </summary>
    /// <param name="auth">The credentials, e.g. <see cref="ZooKeeperAuth.Digest"/>.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>A task that completes when the server has accepted them.</returns>
    /// <exception cref="AuthFailedException">The server refused them.</exception>
    public Task AddAuthAsync(ZooKeeperAuth auth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentException.ThrowIfNullOrEmpty(auth.Scheme, nameof(auth));
        lock (_stateLock)
        {
            _auth.Add(auth);
        }

        return SubmitAsync(new AuthRequest(auth, _logger), cancellationToken);
    }

    private sealed class SyncRequest(string serverPath, string path) : Request<bool>(OpCodes.Sync, path)
    {
        public override void WriteBody(JuteWriter writer) => writer.WriteString(serverPath);

        protected override bool Read(int error, ref JuteReader body) => true;
    }

    private sealed class GetEphemeralsRequest(ZooKeeperClient client, string prefixPath) : Request<IReadOnlyList<string>>(OpCodes.GetEphemerals, prefixPath)
    {
        private readonly string _serverPrefix = client.ToServer(prefixPath);

        public override void WriteBody(JuteWriter writer) => writer.WriteString(_serverPrefix);

        // The server matches a string prefix: under a chroot "/app", "/" would also match "/apple"; those are not ours.
        protected override IReadOnlyList<string> Read(int error, ref JuteReader body) =>
            [.. body.ReadStrings().Where(client.UnderChroot).Select(client.FromServer)];
    }

    // The auth packet (xid -4). The server answers it as soon as it reads it, ahead of replies still due, so its answer
    // is matched against the auth packets in flight, not the requests.
    private sealed class AuthRequest(ZooKeeperAuth auth, ILogger logger) : Request<bool>(OpCodes.Auth, null)
    {
        public string Scheme => auth.Scheme;

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteInt(0);
            writer.WriteString(auth.Scheme);
            writer.WriteBuffer(auth.Data.Span);
        }

        protected override bool Read(int error, ref JuteReader body)
        {
            Log.AuthAccepted(logger, auth.Scheme);
            return true;
        }
    }

    private sealed class CloseSessionRequest() : Request<bool>(OpCodes.CloseSession, null)
    {
        public override void WriteBody(JuteWriter writer)
        {
        }

        protected override bool Read(int error, ref JuteReader body) => true;
    }
}

namespace Cairn.Server.Security;

/// <summary>
/// The audit trail: every authentication failure, permission denial and administrative action, as one structured line
/// with who, what, from where and the outcome. Written to the log under category <c>Cairn.Audit</c> and, when
/// <c>Auth:AuditFile</c> is set, appended as a JSON line to that file.
/// </summary>
internal sealed class AuditLog
{
    /// <summary>Records one event.</summary>
    /// <param name="event">What happened: <c>auth.failed</c>, <c>auth.throttled</c>, <c>access.denied</c>, <c>user.add</c>,
    /// <c>user.remove</c>, <c>user.password</c>, <c>user.grant</c>, <c>user.revoke</c>, <c>role.add</c>, <c>role.remove</c>,
    /// <c>role.grant</c>, <c>role.revoke</c>, <c>token.create</c>, <c>token.revoke</c>, <c>login</c>, <c>auth.enable</c>,
    /// <c>auth.disable</c>, <c>snapshot</c>, <c>restore</c>, <c>compaction</c>, <c>admin</c>.</param>
    /// <param name="who">The caller's name (or the name it claimed, for a failed login); null when unknown.</param>
    /// <param name="from">Where the request came from: <c>IP:port</c>, or <c>unix:uid=…</c>.</param>
    /// <param name="what">The request (<c>POST /v1/auth/users</c>) and what it was on.</param>
    /// <param name="outcome"><c>ok</c>, <c>denied</c>, <c>failed</c>, <c>throttled</c>.</param>
    public void Write(string @event, string? who, string? from, string what, string outcome) => throw new NotImplementedException();
}

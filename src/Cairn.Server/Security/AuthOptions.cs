namespace Cairn.Server.Security;

/// <summary>
/// The <c>Auth</c> settings. Whether auth is on is not among them: it is kept in the keyspace (<c>cairn auth enable</c>),
/// so that every node of a cluster agrees. These say how credentials are checked and what is open without one.
/// </summary>
internal sealed class AuthOptions
{
    /// <summary>bcrypt's work factor for passwords (4–31; default 10, as etcd). Each step doubles the cost of a login.</summary>
    public int BcryptCost { get; set; } = 10;

    /// <summary>How long a login token is valid (a duration; default <c>1h</c>).</summary>
    public string? TokenTtl { get; set; }

    /// <summary>The longest an API token may be made for (a duration; default none: no cap, and a token may have no expiry).</summary>
    public string? MaxApiTokenTtl { get; set; }

    /// <summary>Unix socket peers as users: a Unix user name or numeric uid → a Cairn user, checked with
    /// <c>SO_PEERCRED</c>. The server's own Unix user is root unless <see cref="ServerUserIsRoot"/> is false.</summary>
    public Dictionary<string, string> UnixUsers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether a Unix socket peer running as the server's own user is Cairn's root (default true: that user can
    /// read the data directory anyway, and the default socket admits no one else).</summary>
    public bool ServerUserIsRoot { get; set; } = true;

    /// <summary>The role a caller with no credential gets on the <c>/v1</c> listeners (default none: only <c>/livez</c>,
    /// <c>/readyz</c> and login answer it).</summary>
    public string? AnonymousRole { get; set; }

    /// <summary>The role a caller with no credential gets on a compat API's own listeners, by API (<c>journal</c>,
    /// <c>pulzar</c>, <c>cartd</c>, <c>runs</c>): e.g. <c>Auth:ListenerRoles:journal=appender</c> lets any local process
    /// that can open the journal socket append, as the seed's socket did.</summary>
    public Dictionary<string, string> ListenerRoles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Failed logins (password or basic auth) allowed per user and per client address before attempts are
    /// refused with 429 (default 5); the wait then doubles with each failure from <see cref="LoginBackoff"/>.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>The first wait after <see cref="MaxFailedLogins"/> failures (a duration; default <c>1s</c>); it doubles up to
    /// <c>5m</c>.</summary>
    public string? LoginBackoff { get; set; }

    /// <summary>Requests per second each caller may send (token bucket; 0: no limit). Default 0; nodes are never limited.</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>The bucket's size: requests a caller may send at once (default: <see cref="RequestsPerSecond"/>).</summary>
    public int Burst { get; set; }

    /// <summary>Open watches and event streams one caller may hold at once (default 1,000; 0: no cap).</summary>
    public int MaxWatchesPerUser { get; set; } = 1000;

    /// <summary>A file that every audit line is also appended to, as JSON (default none: the log only).</summary>
    public string? AuditFile { get; set; }
}

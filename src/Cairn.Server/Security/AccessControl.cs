using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>
/// The one place that decides who a credential is and what a caller may do, from this node's copy of the auth settings
/// (users, roles, tokens, login sessions, the node credential, the on/off switch) kept current by a watch on
/// <c>/cairn/auth/</c>. Every check reads the current copy, so a change made on any node applies here as soon as its watch
/// event arrives (and at once on the node that made it: <see cref="AuthStore"/> waits for it).
/// </summary>
/// <remarks>Thread-safe; checks are lock-free reads of an immutable snapshot (<see cref="AuthSnapshot"/>). Until
/// <see cref="InitializeAsync"/> has loaded the first copy it fails closed: auth counts as on and no credential is
/// recognised. The container owns it: disposing it stops the watch and ends every principal it made.</remarks>
internal sealed partial class AccessControl : IAsyncDisposable
{
    private static readonly KeyRange AuthRange = KeyRange.Prefix(AuthKeys.Root);

    private readonly IKeyspace _store;
    private readonly TimeProvider _time;
    private readonly ILogger<AccessControl> _logger;
    private readonly Revocations _revocations;
    private readonly CancellationTokenSource _stopping = new();
    private volatile AuthSnapshot _snapshot = AuthSnapshot.Unloaded;

    /// <summary>Decides from <paramref name="store"/>'s <c>/cairn/auth/</c>, with <paramref name="options"/>' bcrypt cost and
    /// expiry by <paramref name="time"/>.</summary>
    /// <exception cref="StartupException"><see cref="AuthOptions.BcryptCost"/> is outside 4–31.</exception>
    public AccessControl(IKeyspace store, AuthOptions options, TimeProvider time, ILogger<AccessControl> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        Passwords = new Passwords(options.BcryptCost);
        _revocations = new Revocations(time);
    }

    /// <summary>Whether auth is on. Until the first copy is loaded (<see cref="InitializeAsync"/>) nothing is served.</summary>
    public bool Enabled => _snapshot.Enabled;

    /// <summary>The revision of the auth settings applied here.</summary>
    public long Revision => _snapshot.Revision;

    /// <summary>The cluster's node credential (a bearer token nodes send each other); null while auth has never been on.</summary>
    public string? NodeToken => _snapshot.NodeToken;

    /// <summary>The password hashing this node uses (its bcrypt cost).</summary>
    internal Passwords Passwords { get; }

    /// <summary>The copy of the settings checks read now.</summary>
    internal AuthSnapshot Snapshot => _snapshot;

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> on <paramref name="resource"/>, on
    /// <paramref name="name"/> (null: on every name of it, as a listing needs). Always true for an unrestricted caller,
    /// and for root.</summary>
    public bool Allows(Principal caller, string resource, string action, string? name)
    {
        var grants = Decide(caller);
        if (grants.IsAll)
        {
            return true;
        }

        if (resource == AuthResources.Kv && (name is null || name.StartsWith(AuthKeys.Root, StringComparison.Ordinal)))
        {
            return false;
        }

        return grants.Allows(resource, action, name);
    }

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> on every name of <paramref name="resource"/>
    /// that starts with <paramref name="prefix"/> (a listing by prefix): some grant's prefix is a prefix of it.</summary>
    public bool AllowsPrefix(Principal caller, string resource, string action, string prefix)
    {
        var grants = Decide(caller);
        if (grants.IsAll)
        {
            return true;
        }

        if (resource == AuthResources.Kv && (prefix.StartsWith(AuthKeys.Root, StringComparison.Ordinal) || AuthKeys.Root.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return false;
        }

        return grants.AllowsPrefix(resource, action, prefix);
    }

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> (<c>read</c>, <c>write</c>) on every key of
    /// <paramref name="range"/> (the union of its kv grants covers the range, as etcd checks). Keys under
    /// <c>/cairn/auth/</c> are root's only.</summary>
    public bool AllowsRange(Principal caller, KeyRange range, string action)
    {
        var grants = Decide(caller);
        if (grants.IsAll)
        {
            return true;
        }

        return !range.Overlaps(AuthRange) && grants.AllowsRange(range, action);
    }

    /// <summary>The roles that apply to <paramref name="caller"/> now: its user's and its listener's.</summary>
    public IReadOnlyList<string> RolesOf(Principal caller)
    {
        var own = caller.Kind == PrincipalKind.User && _snapshot.Users.TryGetValue(caller.Name, out var user) ? user.Record.Roles : [];
        return caller.ListenerRoles.Count == 0 ? own : [.. own.Concat(caller.ListenerRoles).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>A caller with no credential on a listener that gives it <paramref name="roles"/> (they must exist to grant
    /// anything).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the decision point's surface; callers hold the instance.")]
    public Principal ForListener(IReadOnlyList<string> roles) =>
        roles.Count == 0 ? Principal.Anonymous : new Principal(PrincipalKind.Anonymous, "anonymous", "listener") { ListenerRoles = roles };

    /// <summary>Loads the current settings and starts following changes; the server calls it before it listens.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(cancellationToken).ConfigureAwait(false);
        Install(loaded, AuthSnapshot.Diff(_snapshot, loaded));
        LogLoaded(_logger, loaded.Revision, loaded.Enabled, loaded.Users.Count, loaded.Roles.Count, loaded.TokensById.Count);
        _following ??= Task.Run(() => FollowAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops following changes and ends every principal made here.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_following is { } following)
        {
            try
            {
                await following.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped, as asked.
            }
        }

        _revocations.Dispose();
        _stopping.Dispose();
    }

    // The grants that decide for the caller: everything for an unrestricted caller and while auth is off; nothing until
    // the settings are loaded (fail closed).
    private Grants Decide(Principal caller)
    {
        var snapshot = _snapshot;
        if (caller.Kind == PrincipalKind.Unrestricted)
        {
            return Grants.All;
        }

        if (!snapshot.Loaded)
        {
            return Grants.None;
        }

        if (!snapshot.Enabled)
        {
            return Grants.All;
        }

        return caller.Kind switch
        {
            PrincipalKind.Node => NodeGrants,
            PrincipalKind.User => snapshot.GrantsOf(snapshot.Users.GetValueOrDefault(caller.Name), caller.ListenerRoles),
            _ => snapshot.GrantsOf(null, caller.ListenerRoles),
        };
    }

    /// <summary>What the node credential may do: node-to-node reads (volumes, blobs, carts).</summary>
    private static Grants NodeGrants { get; } = Grants.Compile(
    [
        new PermissionRecord { Resource = AuthResources.Internal, Actions = ["read"], Prefix = true },
        new PermissionRecord { Resource = AuthResources.Blobs, Actions = ["read"], Prefix = true },
        new PermissionRecord { Resource = AuthResources.Carts, Actions = ["read"], Prefix = true },
    ]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Auth settings loaded at revision {Revision}: enabled {Enabled}, {Users} users, {Roles} roles, {Tokens} tokens")]
    private static partial void LogLoaded(ILogger logger, long revision, bool enabled, int users, int roles, int tokens);
}

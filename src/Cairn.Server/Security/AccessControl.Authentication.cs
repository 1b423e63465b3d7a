using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Server.Security;

/// <summary>Recognising a caller: bearer tokens, passwords, users named by a certificate or a Unix peer.</summary>
internal sealed partial class AccessControl
{
    /// <summary>How long a verified password is remembered (so HTTP basic auth does not pay bcrypt on every request).</summary>
    public static readonly TimeSpan PasswordCacheTime = TimeSpan.FromSeconds(60);

    // Bounds the password cache: past this many entries, the expired ones are dropped (and, if that is not enough, all).
    private const int PasswordCacheLimit = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _verified = new(StringComparer.Ordinal);

    /// <summary>The caller a bearer token stands for: a login session, an API token or the node credential; null when it is
    /// unknown, expired, revoked, truncated or forged. The principal's <see cref="Principal.Revoked"/> fires when it stops
    /// being valid (expiry included, on the server's clock).</summary>
    public Principal? Authenticate(string bearerToken)
    {
        var kind = BearerTokens.KindOf(bearerToken);
        if (kind is null)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        BearerTokens.Hash(bearerToken, hash);
        while (true)
        {
            var snapshot = _snapshot;
            if (!snapshot.Loaded)
            {
                return null;
            }

            Principal? principal;
            if (kind == TokenKinds.Node)
            {
                if (snapshot.NodeTokenHash is not { } node || !CryptographicOperations.FixedTimeEquals(hash, node))
                {
                    return null;
                }

                principal = new Principal(PrincipalKind.Node, "node", "node") { Revoked = _revocations.ForNode() };
            }
            else
            {
                if (!snapshot.TokensByHash.TryGetValue(Convert.ToHexStringLower(hash), out var token)
                    || !CryptographicOperations.FixedTimeEquals(hash, token.Hash)
                    || token.Record.Kind != kind
                    || token.Record.ExpiresAt is { } expires && expires <= _time.GetUtcNow()
                    || !snapshot.Users.TryGetValue(token.Record.User, out var user)
                    || user.CreateRevision != token.Record.UserRevision)
                {
                    return null;
                }

                principal = new Principal(PrincipalKind.User, user.Record.Name, kind == TokenKinds.Login ? "token" : "api-token")
                {
                    CredentialId = token.Record.Id,
                    Revoked = _revocations.ForToken(token.Record),
                };
            }

            // Made from the copy that is still current: any later change fires the source it holds.
            if (ReferenceEquals(snapshot, _snapshot))
            {
                return principal;
            }
        }
    }

    /// <summary>The user <paramref name="user"/> if <paramref name="password"/> is its password (a slow hash compare, cached
    /// briefly for HTTP basic auth); null otherwise, without saying whether the user exists.</summary>
    public ValueTask<Principal?> AuthenticatePasswordAsync(string user, string password, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var hash = snapshot.Loaded && snapshot.Users.TryGetValue(user, out var entry) ? entry.Record.Hash : null;
        if (hash is null)
        {
            _ = Passwords.Verify(password, null);
            return ValueTask.FromResult<Principal?>(null);
        }

        var now = _time.GetUtcNow();
        var key = CacheKey(user, password, hash);
        if (!(_verified.TryGetValue(key, out var until) && until > now))
        {
            if (!Passwords.Verify(password, hash))
            {
                return ValueTask.FromResult<Principal?>(null);
            }

            Remember(key, now);
        }

        return ValueTask.FromResult(ForUser(user, "password", hash));
    }

    /// <summary>The existing user <paramref name="user"/>, recognised <paramref name="via"/> a client certificate or Unix
    /// peer credentials; null when there is no such user.</summary>
    public Principal? ForUser(string user, string via) => ForUser(user, via, passwordHash: null);

    // With a password hash: only while the user still has that password.
    private Principal? ForUser(string user, string via, string? passwordHash)
    {
        while (true)
        {
            var snapshot = _snapshot;
            if (!snapshot.Loaded || !snapshot.Users.TryGetValue(user, out var entry) || (passwordHash is not null && entry.Record.Hash != passwordHash))
            {
                return null;
            }

            var principal = new Principal(PrincipalKind.User, user, via) { Revoked = _revocations.ForUser(user) };
            if (ReferenceEquals(snapshot, _snapshot))
            {
                return principal;
            }
        }
    }

    private void Remember(string key, DateTimeOffset now)
    {
        if (_verified.Count >= PasswordCacheLimit)
        {
            foreach (var (old, until) in _verified)
            {
                if (until <= now)
                {
                    _verified.TryRemove(old, out _);
                }
            }

            if (_verified.Count >= PasswordCacheLimit)
            {
                _verified.Clear();
            }
        }

        _verified[key] = now + PasswordCacheTime;
    }

    // The password enters only as its SHA-256; the stored hash makes a changed password miss.
    private static string CacheKey(string user, string password, string hash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(password), digest);
        return string.Concat(user, "\n", Convert.ToHexStringLower(digest), "\n", hash);
    }
}

using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>Login sessions and API tokens: made here, shown once, stored only as a SHA-256.</summary>
internal sealed partial class AuthStore
{
    // A lease lives at most this long (the keyspace's limit); a token valid longer is removed only by revoking it.
    private static readonly TimeSpan LongestLease = TimeSpan.FromDays(3650);

    /// <summary>Makes a login session for <paramref name="user"/> (whose password the caller has checked), valid for
    /// <paramref name="ttl"/>.</summary>
    public ValueTask<TokenResultDto> LoginAsync(string user, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (ttl <= TimeSpan.Zero)
        {
            throw new InvalidArgumentException("A login session must be valid for some time (Auth:TokenTtl).");
        }

        return MakeTokenAsync(user, TokenKinds.Login, "", ttl, cancellationToken);
    }

    /// <summary>Makes an API token.</summary>
    public ValueTask<TokenResultDto> CreateTokenAsync(string user, string name, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        name ??= "";
        if (name.Length > MaxTokenNameLength || name.Any(char.IsControl))
        {
            throw new InvalidArgumentException($"A token's name is at most {MaxTokenNameLength} characters, with no control characters.");
        }

        if (ttl is { } t && t <= TimeSpan.Zero)
        {
            throw new InvalidArgumentException("A token's time to live must be positive (or none, for a token that does not expire).");
        }

        if (_maxApiTokenTtl is { } max && (ttl is null || ttl > max))
        {
            throw new InvalidArgumentException($"An API token may be valid for at most {max} here (Auth:MaxApiTokenTtl); give a shorter ttl.");
        }

        return MakeTokenAsync(user, TokenKinds.Api, name, ttl, cancellationToken);
    }

    /// <summary>Revokes an API token or ends a login session, by id.</summary>
    public async ValueTask RevokeTokenAsync(string id, CancellationToken cancellationToken) =>
        await ChangeAsync<object?>(async ct =>
        {
            var key = AuthKeys.Tokens + ValidateId(id);
            var token = await ReadRawAsync(key, ct).ConfigureAwait(false) ?? throw new NotFoundException($"There is no token '{id}'.");
            var plan = new Plan<object?>(null);
            plan.Unchanged(key, token.ModRevision);
            plan.Delete(key);
            return plan;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>The API tokens and login sessions, of <paramref name="user"/> or of everyone.</summary>
    public async ValueTask<TokenListDto> ListTokensAsync(string? user, CancellationToken cancellationToken) => new()
    {
        Tokens = [.. (await ReadAllAsync(AuthKeys.Tokens, AuthJson.Default.TokenRecord, cancellationToken).ConfigureAwait(false))
            .Select(t => t.Record!)
            .Where(t => user is null || t.User == user)
            .OrderBy(t => t.CreatedAt)
            .ThenBy(t => t.Id, StringComparer.Ordinal)
            .Select(t => new TokenDto { Id = t.Id, Kind = t.Kind, User = t.User, Name = t.Name, CreatedAt = t.CreatedAt, ExpiresAt = t.ExpiresAt })],
    };

    private async ValueTask<TokenResultDto> MakeTokenAsync(string user, string kind, string name, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", user);
        var token = BearerTokens.New(kind);
        var id = BearerTokens.NewId();
        var now = _time.GetUtcNow();
        var expires = ttl is { } t ? now + t : (DateTimeOffset?)null;
        return await ChangeAsync(async ct =>
        {
            var stored = await ReadUserAsync(user, ct).ConfigureAwait(false);
            var record = new TokenRecord
            {
                Id = id,
                Kind = kind,
                User = user,
                UserRevision = stored.CreateRevision,
                Name = name,
                Sha256 = BearerTokens.Hash(token),
                CreatedAt = now,
                ExpiresAt = expires,
            };

            // The store removes the token by itself when it expires (expiry is also checked on the server's clock).
            long lease = 0;
            var plan = new Plan<TokenResultDto>(new TokenResultDto { Token = token, Id = id, User = user, ExpiresAt = expires });
            if (ttl is { } life && life <= LongestLease)
            {
                lease = (await _store.GrantLeaseAsync((long)Math.Max(1, Math.Ceiling(life.TotalSeconds)), cancellationToken: ct).ConfigureAwait(false)).Id;
                plan.OnConflict = async c => await RevokeQuietlyAsync(lease, c).ConfigureAwait(false);
            }

            plan.Unchanged(AuthKeys.Users + user, stored.ModRevision);
            plan.Unchanged(AuthKeys.Tokens + id, 0);
            plan.Put(AuthKeys.Tokens + id, Encode(record, AuthJson.Default.TokenRecord), lease);
            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RevokeQuietlyAsync(long lease, CancellationToken cancellationToken)
    {
        try
        {
            await _store.RevokeLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseNotFoundException)
        {
            // Gone already.
        }
    }

    private static string ValidateId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiHexDigit) ? id : throw new NotFoundException($"There is no token '{(id?.Length > 64 ? id[..64] + "…" : id)}'.");
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cairn.Server.Security;

/// <summary>The value of <c>/cairn/auth/users/&lt;name&gt;</c>.</summary>
internal sealed record UserRecord
{
    /// <summary>The user's name (also the last segment of its key).</summary>
    public required string Name { get; init; }

    /// <summary>Its password as a bcrypt hash; null when it has none.</summary>
    public string? Hash { get; init; }

    /// <summary>Its roles, sorted, without duplicates.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The value of <c>/cairn/auth/roles/&lt;name&gt;</c>.</summary>
internal sealed record RoleRecord
{
    /// <summary>The role's name.</summary>
    public required string Name { get; init; }

    /// <summary>What it grants.</summary>
    public IReadOnlyList<PermissionRecord> Permissions { get; init; } = [];
}

/// <summary>One grant of a stored role; see <see cref="Contracts.PermissionDto"/>. Actions are sorted and never hold
/// <c>*</c> (it is expanded when granted); an unnamed resource's grant has key <c>""</c> and <see cref="Prefix"/>.</summary>
internal sealed record PermissionRecord
{
    /// <summary>The resource family.</summary>
    public required string Resource { get; init; }

    /// <summary>The actions granted.</summary>
    public required IReadOnlyList<string> Actions { get; init; }

    /// <summary>The key, name or prefix.</summary>
    public string Key { get; init; } = "";

    /// <summary>Whether <see cref="Key"/> is a prefix.</summary>
    public bool Prefix { get; init; }

    /// <summary>The exclusive end of a kv key range; <c>"\0"</c> is "no end" (every key from <see cref="Key"/> on, as etcd).</summary>
    public string? RangeEnd { get; init; }

    /// <summary>Whether <paramref name="other"/> covers the same names (whatever its actions).</summary>
    public bool SameNames(PermissionRecord other) =>
        Resource == other.Resource && Key == other.Key && Prefix == other.Prefix && RangeEnd == other.RangeEnd;
}

/// <summary>The value of <c>/cairn/auth/tokens/&lt;id&gt;</c>: an API token or login session, by the SHA-256 of the token.</summary>
internal sealed record TokenRecord
{
    /// <summary>The token's id (the last segment of its key).</summary>
    public required string Id { get; init; }

    /// <summary><see cref="TokenKinds.Login"/> or <see cref="TokenKinds.Api"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The user it acts as.</summary>
    public required string User { get; init; }

    /// <summary>The create revision of the user's record when the token was made: a token outlives no user, not even one
    /// removed and made again under the same name.</summary>
    public long UserRevision { get; init; }

    /// <summary>Its label (API tokens).</summary>
    public string Name { get; init; } = "";

    /// <summary>The SHA-256 of the whole token (prefix included), lower-case hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops working; null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>The JSON of the auth records.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UserRecord))]
[JsonSerializable(typeof(RoleRecord))]
[JsonSerializable(typeof(TokenRecord))]
internal sealed partial class AuthJson : JsonSerializerContext
{
    /// <summary>Decodes a record; null when the value is not one (a key written under <c>/cairn/auth/</c> by hand).</summary>
    public static T? Decode<T>(ReadOnlySpan<byte> value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(value, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

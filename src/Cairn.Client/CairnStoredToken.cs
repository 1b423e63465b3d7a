namespace Cairn.Client;

/// <summary>What a token file holds (<see cref="CairnTokenFile"/>): a login token, who it is for, and the server that
/// issued it. Its <see cref="ToString"/> leaves the token out, so it can be logged.</summary>
/// <param name="Endpoint">The server that issued it, as <see cref="CairnClient.Endpoint"/> spells it; the token is sent
/// only to that server.</param>
/// <param name="User">The user it acts as.</param>
/// <param name="Token">The bearer token itself.</param>
/// <param name="Id">Its id (what <c>cairn token ls</c> shows), when known.</param>
/// <param name="ExpiresAt">When it stops working, when known.</param>
public sealed record CairnStoredToken(string Endpoint, string User, string Token, string? Id = null, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>Whether this token was issued by <paramref name="endpoint"/> (compared after normalizing both).</summary>
    public bool IsFor(string endpoint) => string.Equals(Normalize(Endpoint), Normalize(endpoint), StringComparison.Ordinal);

    /// <summary>The endpoint, the user and the expiry; never the token.</summary>
    public override string ToString() =>
        $"{User} at {Endpoint}" + (ExpiresAt is { } at ? $" until {at:u}" : "");

    private static string Normalize(string endpoint)
    {
        try
        {
            return CairnEndpoint.Parse(endpoint).ToString();
        }
        catch (ArgumentException)
        {
            return endpoint;
        }
    }
}

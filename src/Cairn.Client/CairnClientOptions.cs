namespace Cairn.Client;

/// <summary>How a <see cref="CairnClient"/> reaches its server.</summary>
public sealed class CairnClientOptions
{
    /// <summary>The server: <c>http://host:port</c> (or <c>https://</c>), or <c>unix:/path/to/cairn.sock</c>.</summary>
    public string Endpoint { get; set; } = CairnEndpoint.Default;

    /// <summary>How long one request may take before it fails with <see cref="Core.UnavailableException"/>; null uses
    /// <see cref="HttpClient"/>'s default (100 s).</summary>
    public TimeSpan? Timeout { get; set; }
}

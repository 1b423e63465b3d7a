namespace Cairn.Server;

/// <summary>Settings of the etcd backend (<c>Etcd:*</c>).</summary>
public sealed class EtcdOptions
{
    /// <summary>Client URLs of the etcd cluster, e.g. <c>http://10.0.0.1:2379</c>; a comma-separated string is accepted
    /// too (<c>CAIRN_ETCD__ENDPOINTS</c>).</summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>User name, when etcd has authentication on.</summary>
    public string? Username { get; set; }

    /// <summary>Password of <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the CA that signed etcd's certificate, for <c>https://</c> endpoints.</summary>
    public string? CaFile { get; set; }

    /// <summary>The endpoints, split and trimmed.</summary>
    public IReadOnlyList<string> EffectiveEndpoints() =>
        Endpoints.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}

namespace Cairn.Server;

/// <summary>Settings of the etcd backend (<c>Etcd:*</c>).</summary>
public sealed class EtcdOptions
{
    /// <summary>Client URLs of the etcd cluster, e.g. <c>http://10.0.0.1:2379</c>; a comma-separated string is accepted
    /// too (<c>CAIRN_ETCD__ENDPOINTS</c>).</summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>User name, when etcd has authentication on.</summary>
    public string? Username { get; set; }

    /// <summary>Password of <see cref="Username"/>; better <see cref="PasswordFile"/>, which keeps it off command lines.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password of <see cref="Username"/> (a trailing line break is ignored); instead of
    /// <see cref="Password"/>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A PEM file of the CA that signed etcd's certificate, for <c>https://</c> endpoints: that CA alone is
    /// trusted, and etcd's certificate must name the endpoint's host. Without it, the system's CAs are trusted.</summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM file of the client certificate shown to etcd (etcd's <c>--client-cert-auth</c>); it may hold the key
    /// too. With etcd's authentication on and no <see cref="Username"/>, etcd takes the certificate's CN as the user.</summary>
    public string? CertFile { get; set; }

    /// <summary>A PEM file of the private key of <see cref="CertFile"/>, when that file does not hold it.</summary>
    public string? KeyFile { get; set; }

    /// <summary>A namespace for Cairn's keys on etcd, e.g. <c>/cairn/prod/</c> (any text without NUL); empty (the default)
    /// keeps them at etcd's root. Two Cairn clusters on one etcd need different prefixes, neither the start of the other.</summary>
    public string? Prefix { get; set; }

    /// <summary>The endpoints, split and trimmed.</summary>
    public IReadOnlyList<string> EffectiveEndpoints() =>
        Endpoints.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}

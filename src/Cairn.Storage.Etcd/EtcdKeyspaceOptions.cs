namespace Cairn.Storage.Etcd;

/// <summary>How to reach an etcd cluster.</summary>
public sealed record EtcdKeyspaceOptions
{
    /// <summary>Client URLs of the cluster members, e.g. <c>http://10.0.0.1:2379</c>; <c>https://</c> for TLS. The client
    /// uses the first member that answers and moves to another when it fails.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>User name when etcd has authentication enabled; null for none.</summary>
    public string? Username { get; init; }

    /// <summary>Password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>PEM file of the CA that signed the members' certificates (https endpoints): that CA alone is trusted, and
    /// a member's certificate must also name the host of its endpoint. Null trusts the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM file of the client certificate presented to etcd (for <c>--client-cert-auth</c>); it may hold the
    /// private key too, and intermediate certificates after the first. Null presents none.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM file of the private key of <see cref="CertFile"/>, when it is not in that file.</summary>
    public string? KeyFile { get; init; }

    /// <summary>A namespace for Cairn's keys on etcd, e.g. <c>/cairn/prod/</c>: every key is stored as the prefix followed
    /// by the Cairn key, and ranges, watches and counts cover only keys under it, so several Cairn clusters (and other
    /// users) can share one etcd. Any text without NUL; ending it with <c>/</c> keeps one prefix from being the start of
    /// another. Empty or null (the default) stores keys as they are. Leases are etcd-wide and not namespaced.</summary>
    public string? Prefix { get; init; }

    /// <summary>How long one request may take (connecting included) before it fails with
    /// <see cref="Cairn.Core.UnavailableException"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's v3 gRPC API served by Cairn (<c>EtcdApi:*</c>), for etcd's own clients (etcdctl, jetcd, the Go client,
/// dotnet-etcd). Off unless a listener is set.
/// </summary>
public sealed class EtcdApiOptions
{
    /// <summary>
    /// Listeners of the etcd API: <c>http://HOST:PORT</c> (HTTP/2 cleartext with prior knowledge, what etcd clients speak
    /// to <c>http://</c> endpoints), <c>https://HOST:PORT</c> (TLS with ALPN <c>h2</c>, the <c>Tls</c> settings'
    /// certificate) or <c>unix:PATH</c> (HTTP/2 cleartext on a Unix socket). A comma-separated string is accepted too.
    /// Default: none, and the API is off.
    /// </summary>
    public List<string> Listen { get; set; } = [];
}

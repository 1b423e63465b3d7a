namespace Cairn.Bench;

/// <summary>How the load generator reaches the server.</summary>
internal enum Transport
{
    /// <summary>HTTP/1.1 on loopback TCP.</summary>
    Tcp,

    /// <summary>HTTP/1.1 on a Unix domain socket.</summary>
    Unix,

    /// <summary>etcd's gRPC API (HTTP/2 on loopback TCP): etcd itself, or Cairn's <c>--etcd-listen http://…</c>.</summary>
    Grpc,

    /// <summary>etcd's gRPC API (HTTP/2 cleartext) on a Unix domain socket: Cairn's <c>--etcd-listen unix:…</c>.</summary>
    GrpcUnix,

    /// <summary>etcd's JSON gateway (HTTP/1.1 on loopback TCP).</summary>
    Json,
}

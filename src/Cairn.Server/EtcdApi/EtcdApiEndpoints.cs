using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's v3 gRPC API on the keyspace: the services it registers and maps, in one place. Mapped only when
/// <c>EtcdApi:Listen</c> names a listener; the services then answer on those listeners (HTTP/2) and, through ALPN, on
/// the main <c>https://</c> listeners too.
/// </summary>
internal static class EtcdApiEndpoints
{
    /// <summary>The setting of the API's listeners.</summary>
    public const string ListenSetting = "EtcdApi:Listen";

    /// <summary>The name the API's listeners are reported under (<see cref="CairnServer.CompatAddresses"/>).</summary>
    public const string ListenerName = "etcd";

    /// <summary>gRPC, with messages capped as etcd caps them: a little above the largest request, so that a request
    /// over the limit is read and refused with etcd's own error rather than cut off by the transport.</summary>
    public static void AddServices(IServiceCollection services, CairnOptions options)
    {
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, options.Limits.MaxRequestBytes + GrpcOverheadBytes);
            grpc.MaxSendMessageSize = null;
        });
    }

    /// <summary>Maps every service of the API.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        _ = app; // the services come with the next commits
    }

    // What etcd allows a gRPC message beyond its request limit (512 KiB), for the envelope of the request.
    private const int GrpcOverheadBytes = 512 * 1024;
}

using Cairn.Contracts;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
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
            grpc.Interceptors.Add<EtcdErrorInterceptor>();
        });
        services.AddSingleton<EtcdIdentity>();
    }

    /// <summary>Lifts Kestrel's request body limit from gRPC calls: a call's body is a stream of messages (a watch or
    /// keep-alive stream lasts as long as the client likes), each capped by the gRPC message limit and refused over
    /// <c>Limits:MaxRequestBytes</c> with etcd's own error, where the body limit would cut the stream off mid-way.</summary>
    public static void UseBodyLimit(IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        return next(context);
    });

    /// <summary>Maps every service of the API.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // As every HTTP endpoint, each declares what it needs: the key and lease services check in the handler (the keys
        // are in the request; a lock or campaign needs what its txn does), the maintenance and cluster services need
        // admin status.
        app.MapGrpcService<EtcdKvService>().AuthorizeInHandler(AuthResources.Kv);
        app.MapGrpcService<EtcdWatchService>().AuthorizeInHandler(AuthResources.Kv);
        app.MapGrpcService<EtcdLockService>().AuthorizeInHandler(AuthResources.Kv);
        app.MapGrpcService<EtcdElectionService>().AuthorizeInHandler(AuthResources.Kv);
        app.MapGrpcService<EtcdLeaseService>().AuthorizeInHandler(AuthResources.Leases);
        app.MapGrpcService<EtcdMaintenanceService>().RequirePermission(AuthResources.Admin, "status");
        app.MapGrpcService<EtcdClusterService>().RequirePermission(AuthResources.Admin, "status");

        // Authenticate is how a client gets a credential and AuthStatus says only whether auth is on: open, as
        // /v1/auth/login and /v1/auth/status. The rest (which answer Unimplemented) are user management: admin:users.
        app.MapGrpcService<EtcdAuthService>().Add(endpoint =>
        {
            var route = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            endpoint.Metadata.Add(route.EndsWith("/Authenticate", StringComparison.Ordinal) || route.EndsWith("/AuthStatus", StringComparison.Ordinal)
                ? new Microsoft.AspNetCore.Authorization.AllowAnonymousAttribute()
                : new PermissionMetadata(AuthResources.Admin, "users", null));
        });
    }

    // What etcd allows a gRPC message beyond its request limit (512 KiB), for the envelope of the request.
    private const int GrpcOverheadBytes = 512 * 1024;
}

using Cairn.Core;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Server.Security;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Auth service, as far as etcd's clients need it to log in: <c>Authenticate</c> exchanges a Cairn user's
/// password for a Cairn login token (the same session, throttling and audit line as <c>POST /v1/auth/login</c>), which
/// the clients then send as the <c>token</c> metadata that the authentication middleware reads; <c>AuthStatus</c> says
/// whether auth is on. Users and roles are Cairn's (<c>cairn user|role</c>, <c>/v1/auth</c>): the management RPCs answer
/// <c>Unimplemented</c> and say so.
/// </summary>
internal sealed class EtcdAuthService(
    AccessControl access,
    LoginThrottle throttle,
    AuthStore store,
    AuthSettings settings,
    AuditLog audit,
    EtcdIdentity identity,
    IKeyspace keyspace) : Auth.AuthBase
{
    /// <summary>etcd's answer to a login while auth is off; its clients then go on without a token.</summary>
    public const string NotEnabled = "etcdserver: authentication is not enabled";

    /// <summary>etcd's answer to a wrong user or password.</summary>
    public const string Failed = "etcdserver: authentication failed, invalid user ID or password";

    private const string ManageWithCairn = "Cairn's users and roles are managed with cairn user|role|auth or /v1/auth, not etcd's Auth RPCs.";

    public override async Task<AuthenticateResponse> Authenticate(AuthenticateRequest request, ServerCallContext context)
    {
        if (!access.Enabled)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, NotEnabled));
        }

        var http = context.GetHttpContext();
        var user = await throttle.CheckAsync(http, request.Name, request.Password, "etcd").ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, Failed));
        var token = await store.LoginAsync(user.Name, settings.TokenTtl, context.CancellationToken).ConfigureAwait(false);
        audit.Write("login", user.Name, Caller.From(http), $"etcd Authenticate session {token.Id}", "ok");
        return new AuthenticateResponse { Header = identity.Header(await EtcdRevision.CurrentAsync(keyspace, context.CancellationToken).ConfigureAwait(false)), Token = token.Token };
    }

    public override async Task<AuthStatusResponse> AuthStatus(AuthStatusRequest request, ServerCallContext context) =>
        new() { Header = identity.Header(await EtcdRevision.CurrentAsync(keyspace, context.CancellationToken).ConfigureAwait(false)), Enabled = access.Enabled };

    public override Task<AuthEnableResponse> AuthEnable(AuthEnableRequest request, ServerCallContext context) => throw Unimplemented("cairn auth enable");

    public override Task<AuthDisableResponse> AuthDisable(AuthDisableRequest request, ServerCallContext context) => throw Unimplemented("cairn auth disable");

    public override Task<AuthUserAddResponse> UserAdd(AuthUserAddRequest request, ServerCallContext context) => throw Unimplemented("cairn user add");

    public override Task<AuthUserGetResponse> UserGet(AuthUserGetRequest request, ServerCallContext context) => throw Unimplemented("cairn user get");

    public override Task<AuthUserListResponse> UserList(AuthUserListRequest request, ServerCallContext context) => throw Unimplemented("cairn user ls");

    public override Task<AuthUserDeleteResponse> UserDelete(AuthUserDeleteRequest request, ServerCallContext context) => throw Unimplemented("cairn user rm");

    public override Task<AuthUserChangePasswordResponse> UserChangePassword(AuthUserChangePasswordRequest request, ServerCallContext context) => throw Unimplemented("cairn user passwd");

    public override Task<AuthUserGrantRoleResponse> UserGrantRole(AuthUserGrantRoleRequest request, ServerCallContext context) => throw Unimplemented("cairn user grant-role");

    public override Task<AuthUserRevokeRoleResponse> UserRevokeRole(AuthUserRevokeRoleRequest request, ServerCallContext context) => throw Unimplemented("cairn user revoke-role");

    public override Task<AuthRoleAddResponse> RoleAdd(AuthRoleAddRequest request, ServerCallContext context) => throw Unimplemented("cairn role add");

    public override Task<AuthRoleGetResponse> RoleGet(AuthRoleGetRequest request, ServerCallContext context) => throw Unimplemented("cairn role get");

    public override Task<AuthRoleListResponse> RoleList(AuthRoleListRequest request, ServerCallContext context) => throw Unimplemented("cairn role ls");

    public override Task<AuthRoleDeleteResponse> RoleDelete(AuthRoleDeleteRequest request, ServerCallContext context) => throw Unimplemented("cairn role rm");

    public override Task<AuthRoleGrantPermissionResponse> RoleGrantPermission(AuthRoleGrantPermissionRequest request, ServerCallContext context) => throw Unimplemented("cairn role grant-permission");

    public override Task<AuthRoleRevokePermissionResponse> RoleRevokePermission(AuthRoleRevokePermissionRequest request, ServerCallContext context) => throw Unimplemented("cairn role revoke-permission");

    private static RpcException Unimplemented(string instead) =>
        new(new Status(StatusCode.Unimplemented, $"{ManageWithCairn} Use {instead}."));
}

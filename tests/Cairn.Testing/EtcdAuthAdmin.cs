using Authpb;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Testing;

/// <summary>
/// etcd's own user administration, as <c>etcdctl user/role/auth</c> would do it, for tests that turn etcd's
/// authentication on and then change it under a connected client. It speaks to one etcd over its client URL (TLS with
/// a client certificate when given) and authenticates as <c>root</c> before each call, since every change to users or
/// roles makes earlier tokens old.
/// </summary>
public sealed class EtcdAuthAdmin : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Auth.AuthClient _auth;
    private readonly string _rootPassword;

    /// <summary>Connects to the etcd at <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">Its client URL.</param>
    /// <param name="rootPassword">The password of etcd's <c>root</c> user (made by <see cref="EnableAsync"/>).</param>
    /// <param name="authority">For an https endpoint: the CA that alone is trusted.</param>
    /// <param name="clientCertificate">For etcd with <c>--client-cert-auth</c>: the certificate to present.</param>
    public EtcdAuthAdmin(string endpoint, string rootPassword, TestCertificates? authority = null, TestCertificateFiles? clientCertificate = null)
    {
        _rootPassword = rootPassword;
        HttpMessageHandler handler = authority is null ? new SocketsHttpHandler() : authority.CreateHttpHandler(clientCertificate);
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _auth = new Auth.AuthClient(_channel);
    }

    /// <summary>
    /// Turns authentication on, as an operator would: the user <c>root</c> with the root role, a role
    /// <paramref name="user"/> allowed to read and write every key (not root), the user <paramref name="user"/> with that
    /// role, then <c>auth enable</c>.
    /// </summary>
    public async Task EnableAsync(string user, string password)
    {
        await _auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = _rootPassword });
        await _auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
        await AddUserWithEveryKeyAsync(user, password, token: null);
        await _auth.AuthEnableAsync(new AuthEnableRequest());
    }

    /// <summary>Adds a user (and a role of the same name) that may read and write every key; makes earlier tokens old.</summary>
    public async Task AddUserAsync(string user, string password) =>
        await AddUserWithEveryKeyAsync(user, password, await RootAsync());

    /// <summary>Removes a user and its role, if they are there; makes earlier tokens old.</summary>
    public async Task RemoveUserAsync(string user)
    {
        try
        {
            await _auth.UserDeleteAsync(new AuthUserDeleteRequest { Name = user }, await RootAsync());
        }
        catch (RpcException ex) when (ex.Status.Detail.Contains("not found", StringComparison.Ordinal))
        {
        }

        try
        {
            await _auth.RoleDeleteAsync(new AuthRoleDeleteRequest { Role = user }, await RootAsync());
        }
        catch (RpcException ex) when (ex.Status.Detail.Contains("not found", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Changes a user's password.</summary>
    public async Task ChangePasswordAsync(string user, string password) =>
        await _auth.UserChangePasswordAsync(new AuthUserChangePasswordRequest { Name = user, Password = password }, await RootAsync());

    /// <summary>
    /// Turns authentication off and on again: etcd then forgets every token it handed out (as when a token's TTL runs
    /// out), and a client must authenticate again.
    /// </summary>
    public async Task ForgetTokensAsync()
    {
        await _auth.AuthDisableAsync(new AuthDisableRequest(), await RootAsync());
        await _auth.AuthEnableAsync(new AuthEnableRequest());
    }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();

    private async Task AddUserWithEveryKeyAsync(string user, string password, Metadata? token)
    {
        await _auth.RoleAddAsync(new AuthRoleAddRequest { Name = user }, token);
        await _auth.RoleGrantPermissionAsync(
            new AuthRoleGrantPermissionRequest
            {
                Name = user,

                // etcdctl role grant-permission ROLE readwrite --from-key '': from the smallest key to the end.
                Perm = new Permission { PermType = Permission.Types.Type.Readwrite, Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0) },
            },
            token);
        await _auth.UserAddAsync(new AuthUserAddRequest { Name = user, Password = password }, token);
        await _auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = user, Role = user }, token);
    }

    private async Task<Metadata> RootAsync()
    {
        var response = await _auth.AuthenticateAsync(new AuthenticateRequest { Name = "root", Password = _rootPassword });
        return new Metadata { { "token", response.Token } };
    }
}

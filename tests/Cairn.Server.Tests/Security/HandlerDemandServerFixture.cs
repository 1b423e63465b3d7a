using Cairn.Server.Tests.Security.Http;

namespace Cairn.Server.Tests.Security;

/// <summary>A server with auth on (<see cref="AuthServerFixture"/>), without job workers, cart staging or a cluster
/// member, for <see cref="HandlerDemandTests"/>: its users each get a role granting one narrow thing.</summary>
public sealed class HandlerDemandServerFixture : AuthServerFixture
{
    public HandlerDemandServerFixture()
    {
        Settings["Cluster:Enabled"] = "false";
        Settings["Jobs:Workers"] = "0";
        Settings["Carts:MaxActiveCarts"] = "0";
    }

    /// <summary>A client that sends <paramref name="user"/>'s password (HTTP basic auth).</summary>
    public HttpClient As(string user) => AuthHttp.Basic(TcpEndpoint, user, Password(user));

    /// <summary>The password the tests give <paramref name="user"/>.</summary>
    public static string Password(string user) => "pw-" + user;
}

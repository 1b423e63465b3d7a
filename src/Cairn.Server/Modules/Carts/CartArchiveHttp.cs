namespace Cairn.Server.Modules.Carts;

/// <summary>The one HTTP client of the Pacifica archive interface, shared by every call (connections pooled); each call
/// has its own timeout (<c>Carts:ArchiveTimeout</c>), so the client has none.</summary>
internal sealed class CartArchiveHttp : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => Client.Dispose();
}

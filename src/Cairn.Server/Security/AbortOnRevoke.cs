namespace Cairn.Server.Security;

/// <summary>A request feature: the request's registration on its credential's revocation, which aborts it
/// (<see cref="AuthenticationMiddleware"/>); disposing it lets the request finish whatever happens to the credential.</summary>
internal sealed class AbortOnRevoke(CancellationTokenRegistration registration) : IDisposable
{
    public void Dispose() => registration.Dispose();
}

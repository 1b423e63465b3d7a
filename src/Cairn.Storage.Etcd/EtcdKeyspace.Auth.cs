using Cairn.Core;
using Etcdserverpb;
using Grpc.Core;

namespace Cairn.Storage.Etcd;

// etcd's user authentication: Authenticate trades the user name and password for a token, sent as the "token" metadata
// of every call. etcd stops taking a token when it expires (simple tokens: after --auth-token-ttl idle, 5 min by
// default), when etcd forgets it (a restart, auth disable), and when users or roles change after it was handed out
// ("revision of auth store is old"); the store then authenticates again, once for all the calls that found out together.
public sealed partial class EtcdKeyspace
{
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private volatile Metadata? _token;
    private int _authentications;

    /// <summary>How many times the store has authenticated (tests: the token was renewed).</summary>
    internal int Authentications => Volatile.Read(ref _authentications);

    // A new token, unless another call has already replaced the one that was refused.
    private async Task RenewTokenAsync(Metadata? refused, CancellationToken cancellationToken)
    {
        await _authenticating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_token, refused))
            {
                await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _authenticating.Release();
        }
    }

    private async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (_options.Username is null)
        {
            return;
        }

        var request = new AuthenticateRequest { Name = _options.Username, Password = _options.Password ?? "" };
        try
        {
            var response = await _auth.AuthenticateAsync(request, new CallOptions(null, DateTime.UtcNow + _options.RequestTimeout, cancellationToken)).ResponseAsync.ConfigureAwait(false);
            _token = new Metadata { { "token", response.Token } };
            Interlocked.Increment(ref _authentications);
        }
        catch (RpcException ex) when (EtcdErrors.IsAuthNotEnabled(ex))
        {
            _token = null;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.FailedPrecondition)
        {
            throw new InvalidArgumentException($"etcd refused user '{_options.Username}': {ex.Status.Detail}; check the user name and password.");
        }
        catch (RpcException ex)
        {
            throw EtcdErrors.Map(ex, default, cancellationToken, _options.Prefix ?? "");
        }
    }
}

using Cairn.Core;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// Around every call of the etcd API: a unary request larger than <c>Limits:MaxRequestBytes</c> is refused as etcd
/// refuses it, and a <see cref="CairnException"/> a handler throws leaves as the gRPC status etcd gives
/// (<see cref="EtcdErrors"/>), so that no service has its own error handling.
/// </summary>
internal sealed class EtcdErrorInterceptor(CairnOptions options) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CheckSize(request);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (CairnException ex)
        {
            throw EtcdErrors.From(ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (CairnException ex)
        {
            throw EtcdErrors.From(ex);
        }
        catch (Exception ex) when (ClientGone(ex, context))
        {
            // A client that resets its watch or keep-alive stream is how such a stream usually ends (etcdctl on ^C, a
            // client that closes its channel): there is no one to answer, and nothing went wrong on this side.
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CheckSize(request);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (CairnException ex)
        {
            throw EtcdErrors.From(ex);
        }
        catch (Exception ex) when (ClientGone(ex, context))
        {
            // An Observe stream whose client went away: as above.
        }
    }

    // The stream failed because the client reset it or the connection closed: the call is canceled, and reading or
    // writing threw an IOException ("the client reset the request stream") or an OperationCanceledException.
    private static bool ClientGone(Exception ex, ServerCallContext context) =>
        ex is IOException or OperationCanceledException && context.CancellationToken.IsCancellationRequested;

    private void CheckSize<TRequest>(TRequest request)
    {
        if (request is IMessage message && message.CalculateSize() > options.Limits.MaxRequestBytes)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.RequestTooLarge);
        }
    }
}

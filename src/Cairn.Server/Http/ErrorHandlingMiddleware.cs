using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Http;

/// <summary>Turns every failure of a request into a problem response: expected errors by their code, the rest as 500.</summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // A body that cannot be read is the client's error (400), never the server's: see RequestBodyStream.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true })
        {
            context.Request.Body = new RequestBodyStream(context.Request.Body);
        }

        try
        {
            await next(context).ConfigureAwait(false);
            // Routing answers some errors with a bare status; give those a problem body too.
            if (!context.Response.HasStarted && context.Response.ContentLength is null or 0 && context.Response.ContentType is null)
            {
                var status = context.Response.StatusCode;
                if (status == StatusCodes.Status404NotFound)
                {
                    await ProblemWriter.WriteAsync(context, ErrorCodes.NotFound, $"No route for {context.Request.Method} {context.Request.Path}.").ConfigureAwait(false);
                }
                else if (status == StatusCodes.Status405MethodNotAllowed)
                {
                    await ProblemWriter.WriteAsync(context, ErrorCodes.MethodNotAllowed, $"{context.Request.Method} is not allowed on {context.Request.Path}.").ConfigureAwait(false);
                }
            }
        }
        catch (CairnException ex) when (EtcdApi.EtcdErrors.IsGrpc(context.Request) && !context.Response.HasStarted)
        {
            await EtcdApi.EtcdErrors.WriteTrailersOnlyAsync(context, ex).ConfigureAwait(false);
        }
        catch (CairnException ex)
        {
            await ProblemWriter.WriteAsync(context, ex).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.InvalidArgument, "The request body is not valid JSON for this endpoint: " + JsonErrors.Describe(ex)).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var error = new LimitExceededException("request", context.Request.ContentLength ?? 0, context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0);
            await ProblemWriter.WriteAsync(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.InvalidArgument, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // A backend call that timed out without saying so as an UnavailableException: still a 503, never a 500.
            await ProblemWriter.WriteAsync(context, ErrorCodes.Unavailable, "The store did not answer in time; retry: " + ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogUnhandled(logger, context.Request.Method, context.Request.Path, ex);
            await ProblemWriter.WriteAsync(context, ErrorCodes.Internal, "The server failed to handle the request; its log has the details.").ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}

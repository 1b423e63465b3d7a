using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Security;

/// <summary>
/// Limits per caller, with auth on: requests per second (ASP.NET Core's rate limiter, one token bucket per caller on the
/// server's clock: <c>Auth:RequestsPerSecond</c>, <c>Auth:Burst</c>), and open streams — WebSocket upgrades and event
/// streams — per caller (<c>Auth:MaxWatchesPerUser</c>). Past either, 429 with <c>Retry-After</c>. A caller is its user
/// name; callers without credential are told apart by address. Nodes, and everyone while auth is off, are not limited.
/// </summary>
/// <remarks>A stream is counted here when the request is a WebSocket upgrade or asks for <c>text/event-stream</c>, and
/// otherwise by <see cref="ServerSentEvents"/> when it starts one (<see cref="EnterStream"/>), so a client that leaves
/// out the <c>Accept</c> header is counted too.</remarks>
internal sealed class CallerLimits(AuthSettings settings) : IMiddleware
{
    private readonly int _cap = settings.Options.MaxWatchesPerUser;
    private readonly ConcurrentDictionary<string, int> _streams = new(StringComparer.Ordinal);

    /// <summary>Adds the rate limiter's services when <c>Auth:RequestsPerSecond</c> is set; false when it is not.</summary>
    public static bool AddRateLimiter(IServiceCollection services, AuthSettings settings, TimeProvider time)
    {
        var perSecond = settings.Options.RequestsPerSecond;
        if (perSecond <= 0)
        {
            return false;
        }

        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                KeyOf(context) is { } key
                    ? RateLimitPartition.Get(key, _ => new ClockTokenBucket(perSecond, settings.Burst, time))
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var error = new TooManyRequestsException($"Too many requests: at most {perSecond} a second (burst {settings.Burst}) per caller (Auth:RequestsPerSecond); slow down.", wait);
                return new ValueTask(ProblemWriter.WriteAsync(rejected.HttpContext, error));
            };
        });
        return true;
    }

    /// <summary>Counts the request against its caller's streams while it runs, if it opens one.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // Who first: with auth off there is no caller to count, and the headers are not even looked at.
        if (_cap <= 0 || KeyOf(context) is not { } key || !IsStream(context.Request))
        {
            return next(context);
        }

        return CountedAsync(context, next, key);
    }

    /// <summary>Counts a stream that <see cref="ServerSentEvents"/> starts, unless the request is counted already; dispose
    /// the result when the stream ends.</summary>
    /// <exception cref="TooManyRequestsException">The caller holds as many streams as it may.</exception>
    public static IDisposable? EnterStream(HttpContext context)
    {
        if (context.Features.Get<Principal>() is not { IsRestricted: true } || context.Features.Get<Slot>() is not null)
        {
            return null;
        }

        var limits = context.RequestServices.GetService<CallerLimits>();
        return limits is null || limits._cap <= 0 || KeyOf(context) is not { } key ? null : limits.Enter(context, key);
    }

    private async Task CountedAsync(HttpContext context, RequestDelegate next, string key)
    {
        using (Enter(context, key))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    private Slot Enter(HttpContext context, string key)
    {
        var open = _streams.AddOrUpdate(key, 1, static (_, count) => count + 1);
        var slot = new Slot(this, key);
        if (open > _cap)
        {
            slot.Dispose();
            throw new TooManyRequestsException($"Too many open watches and streams: at most {_cap} per caller (Auth:MaxWatchesPerUser); close one first.", TimeSpan.FromSeconds(1));
        }

        context.Features.Set(slot);
        return slot;
    }

    private void Leave(string key)
    {
        if (_streams.AddOrUpdate(key, 0, static (_, count) => count - 1) <= 0)
        {
            _streams.TryRemove(new KeyValuePair<string, int>(key, 0));
        }
    }

    private static bool IsStream(HttpRequest request) =>
        request.HttpContext.WebSockets.IsWebSocketRequest
        || request.Headers.Accept.Any(a => a is not null && a.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whom a request counts against: its user, or its address when it has no credential; null for callers that
    /// are never limited (nodes; everyone while auth is off).</summary>
    private static string? KeyOf(HttpContext context) => context.Features.Get<Principal>() switch
    {
        null or { IsRestricted: false } or { Kind: PrincipalKind.Node } => null,
        { Kind: PrincipalKind.Anonymous } => "from:" + (context.Connection.RemoteIpAddress?.ToString() ?? Caller.From(context)),
        var caller => "user:" + caller.Name,
    };

    // One counted stream; a request feature while it is open.
    private sealed class Slot(CallerLimits limits, string key) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                limits.Leave(key);
            }
        }
    }
}

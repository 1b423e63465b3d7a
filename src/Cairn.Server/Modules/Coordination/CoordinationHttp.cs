using System.Globalization;
using System.Text;
using Cairn.Coordination;
using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Modules.Coordination;

/// <summary>What the coordination endpoints share: names and indexes from the path, wait times, sessions (leases) checked
/// before anything is written or waited for, sizes, and the revision header of an answer that read many keys.</summary>
internal static class CoordinationHttp
{
    /// <summary>The longest a call may wait (lock, campaign, enter, dequeue, barrier wait and leave): an hour. A client
    /// that needs longer calls again.</summary>
    public const double MaxWaitSeconds = 3600;

    /// <summary>Largest value of an election, pool item or queue item, in UTF-8 bytes.</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>Longest name a pool member may give itself (e.g. host:port), in characters.</summary>
    public const int MaxMemberNameLength = 1024;

    /// <summary><paramref name="name"/> when it is a coordination name (<see cref="CoordinationNames.Check"/>).</summary>
    public static string Name(string what, string? name) => CoordinationNames.Check(what, name);

    /// <summary>A node index from the path: a whole number ≥ 0.</summary>
    public static int Index(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : throw new InvalidArgumentException($"A node index is a whole number, 0 or more; got '{text}'.");

    /// <summary>How long a call may wait: null (until done, or the caller leaves), else 0–<see cref="MaxWaitSeconds"/>.</summary>
    public static TimeSpan? Wait(double? seconds, string field = "waitSeconds")
    {
        if (seconds is not { } value)
        {
            return null;
        }

        if (!double.IsFinite(value) || value is < 0 or > MaxWaitSeconds)
        {
            throw new InvalidArgumentException($"'{field}' must be between 0 and {MaxWaitSeconds.ToString(CultureInfo.InvariantCulture)} seconds; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }

        return TimeSpan.FromSeconds(value);
    }

    /// <summary>The <c>waitSeconds</c> query parameter, checked as <see cref="Wait(double?, string)"/>.</summary>
    public static TimeSpan? WaitQuery(HttpContext context) => Wait(RequestReading.Double(context, "waitSeconds"));

    /// <summary>
    /// Checks that <paramref name="lease"/> (a session the client keeps alive through <c>/v1/leases</c>) exists, before a
    /// call writes under it or waits for it: a gone session is a 404 with nothing written and nobody waiting.
    /// </summary>
    /// <exception cref="InvalidArgumentException">It is not a lease id.</exception>
    /// <exception cref="LeaseNotFoundException">There is no such lease.</exception>
    public static async Task RequireLeaseAsync(IKeyspace store, long lease, CancellationToken cancellationToken, string field = "lease")
    {
        if (lease <= 0)
        {
            throw new InvalidArgumentException($"'{field}' must be the id of a lease (a session from POST /v1/leases, kept alive by the client); got {lease}.");
        }

        _ = await store.LeaseTimeToLiveAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new LeaseNotFoundException(lease);
    }

    /// <summary>A lease id from the query (<c>?lease=</c>), required.</summary>
    public static long LeaseQuery(HttpContext context) =>
        RequestReading.Long(context, "lease") is { } lease and > 0
            ? lease
            : throw new InvalidArgumentException("Query parameter 'lease' is required: the session (lease id) that holds the item.");

    /// <summary>Refuses a value over <paramref name="limit"/> UTF-8 bytes with 413.</summary>
    public static void CheckSize(string? value, int limit, string what = "value")
    {
        if (value is not null && value.Length > limit / 3)
        {
            var bytes = Encoding.UTF8.GetByteCount(value);
            if (bytes > limit)
            {
                throw new LimitExceededException(what, bytes, limit);
            }
        }
    }

    /// <summary>Sets the revision header to the store's current revision, before a read that spans many keys: the
    /// answer is at least that new.</summary>
    public static async Task SetCurrentRevisionAsync(HttpContext context, IKeyspace store)
    {
        try
        {
            var status = await store.StatusAsync(context.RequestAborted).ConfigureAwait(false);
            RevisionHeader.Set(context, status.Revision);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
        }
    }

    /// <summary>Answers 204 with the store's current revision.</summary>
    public static async Task NoContentAsync(HttpContext context, IKeyspace store)
    {
        await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Writes <paramref name="body"/> as JSON with <paramref name="status"/> and the revision header.</summary>
    public static Task WriteAsync<T>(HttpContext context, T body, long revision, int status = StatusCodes.Status200OK)
    {
        if (revision > 0)
        {
            RevisionHeader.Set(context, revision);
        }

        context.Response.StatusCode = status;
        return Json.WriteAsync(context, body);
    }

    /// <summary>A path segment for a Location header.</summary>
    public static string Segment(string name) => Uri.EscapeDataString(name);
}

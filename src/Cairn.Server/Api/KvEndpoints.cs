using System.Globalization;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Api;

/// <summary><c>/v1/kv</c>: raw values by key, listings, and compare-and-set through <c>If-Match</c>/<c>If-None-Match</c>.</summary>
internal static class KvEndpoints
{
    private const string Prefix = "/v1/kv/";
    private const int DefaultPageSize = 1000;
    private const int MaxPageSize = 10_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        // The key or range is read from the raw target (and a list's from the query): the handlers check it themselves.
        app.MapGet("/v1/kv", ListAsync).WithName("ListKeys").WithTags("kv").AuthorizeInHandler(AuthResources.Kv);
        app.MapGet("/v1/kv/{**key}", GetAsync).WithName("GetKey").WithTags("kv").AuthorizeInHandler(AuthResources.Kv);
        app.MapPut("/v1/kv/{**key}", PutAsync).WithName("PutKey").WithTags("kv").AuthorizeInHandler(AuthResources.Kv);
        app.MapDelete("/v1/kv/{**key}", DeleteAsync).WithName("DeleteKey").WithTags("kv").AuthorizeInHandler(AuthResources.Kv);
    }

    // The limits are the store's (LimitedKeyspace); only a put checks the key here, before it reads a body.
    private static async Task GetAsync(HttpContext context, IKeyspace store)
    {
        var key = RequestReading.KeyFromPath(context, Prefix);
        if (key.Length == 0 || RequestReading.Flag(context, "prefix"))
        {
            await ListAsync(context, store).ConfigureAwait(false);
            return;
        }

        var single = KeyRange.Single(key);
        Caller.DemandRange(context, single, KeyspaceAccess.Read);
        var result = await store.RangeAsync(new RangeRequest(single) { Revision = RequestReading.Long(context, "revision") ?? 0 }, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, result.Revision);
        if (result.Kvs.Count == 0)
        {
            throw new NoSuchKeyException(key);
        }

        var kv = result.Kvs[0];
        var headers = context.Response.Headers;
        headers.ETag = ETag(kv.ModRevision);
        headers["Cairn-Create-Revision"] = kv.CreateRevision.ToString(CultureInfo.InvariantCulture);
        headers["Cairn-Mod-Revision"] = kv.ModRevision.ToString(CultureInfo.InvariantCulture);
        headers["Cairn-Version"] = kv.Version.ToString(CultureInfo.InvariantCulture);
        headers["Cairn-Lease"] = kv.Lease.ToString(CultureInfo.InvariantCulture);
        if (RequestReading.WantsJson(context))
        {
            await Json.WriteAsync(context, new KeyResponseDto { Revision = result.Revision, Kv = KeyValueDto.From(kv) }).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = kv.Value.Length;
        await context.Response.Body.WriteAsync(kv.Value, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, IKeyspace store)
    {
        var range = ListRange(context);
        Caller.DemandRange(context, range, KeyspaceAccess.Read);
        var limit = RequestReading.Long(context, "limit") ?? DefaultPageSize;
        if (limit is <= 0 or > MaxPageSize)
        {
            throw new InvalidArgumentException($"Query parameter 'limit' must be between 1 and {MaxPageSize}; got {limit}.");
        }

        var request = new RangeRequest(range)
        {
            Revision = RequestReading.Long(context, "revision") ?? 0,
            Limit = limit,
            KeysOnly = RequestReading.Flag(context, "keysOnly"),
            CountOnly = RequestReading.Flag(context, "countOnly"),
        };
        var result = await store.RangeAsync(request, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, result.Revision);
        await Json.WriteAsync(context, RangeResultDto.From(result)).ConfigureAwait(false);
    }

    // prefix=P (default ""), or from/to; then "after" moves the start past the last key of the previous page.
    private static KeyRange ListRange(HttpContext context)
    {
        var pathKey = RequestReading.KeyFromPath(context, Prefix);
        var from = RequestReading.Text(context, "from");
        var to = RequestReading.Text(context, "to");
        var prefix = RequestReading.Text(context, "prefix") is { } p && !bool.TryParse(p, out _) && p != "1" ? p : pathKey;
        if ((from is not null || to is not null) && prefix.Length > 0)
        {
            throw new InvalidArgumentException("Give either 'prefix' or 'from'/'to', not both.");
        }

        string start;
        string? end;
        if (from is not null || to is not null)
        {
            start = from ?? "";
            end = to;
        }
        else
        {
            start = prefix;
            end = Keys.PrefixEnd(prefix);
        }

        if (RequestReading.Text(context, "after") is { } after)
        {
            // NUL cannot be in a key, so after + "\0" is the first key that sorts after "after".
            var next = after + "\0";
            if (Encoding.UTF8.GetBytes(next).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(start)) > 0)
            {
                start = next;
            }
        }

        return end is null ? KeyRange.FromKey(start) : KeyRange.Between(start, end);
    }

    private static async Task PutAsync(HttpContext context, IKeyspace store, KeyspaceLimits limits)
    {
        var key = RequestReading.KeyFromPath(context, Prefix);
        Keys.Validate(key);
        limits.CheckKey(key);

        // Checked before the body is read. A condition compares the key, and a failed one answers its mod revision;
        // prevKv answers the old value: both read it, as etcd's txn compare and prevKv need read.
        Caller.DemandRange(context, KeyRange.Single(key), KeyspaceAccess.Write);
        if (HasPrecondition(context) || RequestReading.Flag(context, "prevKv"))
        {
            Caller.DemandRange(context, KeyRange.Single(key), KeyspaceAccess.Read);
        }

        var value = await RequestReading.BodyAsync(context, limits.MaxValueBytes).ConfigureAwait(false);
        var condition = Precondition(context, key);
        var (lease, ttl) = LeaseForPut(context);

        // Every parameter is read before the write: a bad one must refuse the request, not fail it after the commit.
        var returnPrevKv = RequestReading.Flag(context, "prevKv");
        var (result, usedLease) = ttl is null
            ? await PutOnceAsync(store, key, value, condition, lease, context.RequestAborted).ConfigureAwait(false)
            : await PutWithOwnLeaseAsync(store, key, value, condition, ttl.Value, context.RequestAborted).ConfigureAwait(false);

        RevisionHeader.Set(context, result.Revision);
        context.Response.Headers.ETag = ETag(result.Revision);
        var created = result.PrevKv is null;
        context.Response.StatusCode = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await Json.WriteAsync(context, new PutResultDto
        {
            Revision = result.Revision,
            Created = created,
            PrevKv = returnPrevKv && result.PrevKv is not null ? KeyValueDto.From(result.PrevKv) : null,
            Lease = usedLease == 0 ? null : usedLease,
        }).ConfigureAwait(false);
    }

    // The hot path (no TTL) makes no closure; only a put with its own lease does.
    private static Task<(PutResult Result, long Lease)> PutWithOwnLeaseAsync(IKeyspace store, string key, byte[] value, Compare? condition, long ttlSeconds, CancellationToken cancellationToken) =>
        OwnLease.RunAsync(store, ttlSeconds, lease => PutOnceAsync(store, key, value, condition, lease, cancellationToken), cancellationToken);

    private static async Task<(PutResult Result, long Lease)> PutOnceAsync(IKeyspace store, string key, byte[] value, Compare? condition, long lease, CancellationToken cancellationToken)
    {
        var put = new PutRequest(key, value) { PrevKv = true, Lease = lease };
        if (condition is null)
        {
            return (await store.PutAsync(put, cancellationToken).ConfigureAwait(false), lease);
        }

        var txn = await RunConditionalAsync(store, key, condition, put, cancellationToken).ConfigureAwait(false);
        return ((PutResult)txn.Results[0], lease);
    }

    // ?lease=ID attaches an existing lease; ?ttl=DURATION grants a new lease for this key alone (OwnLease).
    private static (long Lease, long? TtlSeconds) LeaseForPut(HttpContext context)
    {
        var lease = RequestReading.Long(context, "lease");
        var ttl = RequestReading.Duration(context, "ttl");
        if (lease is not null && ttl is not null)
        {
            throw new InvalidArgumentException("Give either 'lease' or 'ttl', not both.");
        }

        if (lease is { } id)
        {
            return id > 0 ? (id, null) : throw new InvalidArgumentException($"'{id}' is not a lease id (a positive integer).");
        }

        return (0, ttl is { } span ? Durations.WholeSeconds(span) : null);
    }

    private static async Task DeleteAsync(HttpContext context, IKeyspace store)
    {
        var key = RequestReading.KeyFromPath(context, Prefix);
        var isPrefix = RequestReading.Flag(context, "prefix");
        if (!isPrefix)
        {
            Keys.Validate(key);
        }

        var delete = new DeleteRequest(isPrefix ? KeyRange.Prefix(key) : KeyRange.Single(key)) { PrevKvs = RequestReading.Flag(context, "prevKv") };
        var condition = isPrefix ? null : Precondition(context, key);
        Caller.DemandRange(context, delete.Range, KeyspaceAccess.Write);
        if (delete.PrevKvs || condition is not null)
        {
            Caller.DemandRange(context, delete.Range, KeyspaceAccess.Read);
        }

        DeleteResult result;
        if (condition is null)
        {
            result = await store.DeleteAsync(delete, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var txn = await RunConditionalAsync(store, key, condition, delete, context.RequestAborted).ConfigureAwait(false);
            result = (DeleteResult)txn.Results[0];
        }

        RevisionHeader.Set(context, result.Revision);
        if (!isPrefix && result.Deleted == 0)
        {
            throw new NoSuchKeyException(key);
        }

        await Json.WriteAsync(context, DeleteResultDto.From(result)).ConfigureAwait(false);
    }

    private static bool HasPrecondition(HttpContext context) =>
        context.Request.Headers.IfNoneMatch.Count > 0 || context.Request.Headers.IfMatch.Count > 0;

    // If-None-Match: * → create only; If-Match: * → must exist; If-Match: "N" → mod revision must be N.
    private static Compare? Precondition(HttpContext context, string key)
    {
        var headers = context.Request.Headers;
        var ifNoneMatch = headers.IfNoneMatch.ToString();
        var ifMatch = headers.IfMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifMatch.Length > 0)
        {
            throw new InvalidArgumentException("Send either If-Match or If-None-Match, not both.");
        }

        if (ifNoneMatch.Length > 0)
        {
            return ifNoneMatch.Trim() == "*"
                ? Compare.Version(key, CompareResult.Equal, 0)
                : throw new InvalidArgumentException("If-None-Match supports only '*' (create if absent).");
        }

        if (ifMatch.Length == 0)
        {
            return null;
        }

        if (ifMatch.Trim() == "*")
        {
            return Compare.Version(key, CompareResult.Greater, 0);
        }

        if (!EntityTagHeaderValue.TryParse(ifMatch.Trim(), out var tag) || tag.IsWeak
            || !long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) || revision <= 0)
        {
            throw new InvalidArgumentException($"If-Match must be '*' or one quoted mod revision such as \"42\"; got '{ifMatch}'.");
        }

        return Compare.ModRevision(key, CompareResult.Equal, revision);
    }

    private static async Task<TxnResult> RunConditionalAsync(IKeyspace store, string key, Compare condition, KvRequest write, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest([condition], [write], [new RangeRequest(KeyRange.Single(key)) { KeysOnly = true }]);
        var result = await store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var current = ((RangeResult)result.Results[0]).Kvs;
            throw new PreconditionFailedException(key, current.Count > 0 ? current[0].ModRevision : 0);
        }

        return result;
    }

    private static string ETag(long modRevision) => "\"" + modRevision.ToString(CultureInfo.InvariantCulture) + "\"";
}

using System.Globalization;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Cairn.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Modules.Volumes;

/// <summary>
/// <c>/v1/blobs/{key…}</c>: streaming <c>PUT</c>/<c>GET</c>/<c>HEAD</c>/<c>DELETE</c> of large values, with
/// <c>ETag</c>, <c>If-Match</c>/<c>If-None-Match</c>, one <c>Range</c>, and <c>?ttl=</c>; <c>GET /v1/blobs</c> lists
/// and searches; <c>/v1/internal/volumes/…</c> serves this node's files to the other nodes.
/// </summary>
internal static class BlobEndpoints
{
    public const string Prefix = "/v1/blobs/";

    /// <summary>The action that reads (and lists) blobs.</summary>
    public const string Read = "read";

    /// <summary>The action that stores and deletes blobs.</summary>
    public const string Write = "write";

    public static void Map(IEndpointRouteBuilder app)
    {
        // A key is read from the raw target (an encoded slash is a slash there, not in the route value), a listing's prefix
        // from the query: the handlers check the key or prefix they serve.
        app.MapGet("/v1/blobs", ListAsync).WithName("BlobList").WithTags("blobs").AuthorizeInHandler(AuthResources.Blobs);
        app.MapMethods(Prefix + "{**key}", ["GET", "HEAD"], (HttpContext context, BlobStore blobs) =>
            ServeAsync(context, blobs, KeyOf(context), HttpMethods.IsHead(context.Request.Method), forceOctetStream: false)).WithName("BlobGet").WithTags("blobs")
            .AuthorizeInHandler(AuthResources.Blobs);
        app.MapPut(Prefix + "{**key}", PutAsync).WithName("BlobPut").WithTags("blobs").AuthorizeInHandler(AuthResources.Blobs);
        app.MapDelete(Prefix + "{**key}", DeleteAsync).WithName("BlobDelete").WithTags("blobs").AuthorizeInHandler(AuthResources.Blobs);
        app.MapGet("/v1/internal/volumes/{volumeId}/{blobId}", InternalAsync).ExcludeFromDescription().RequirePermission(AuthResources.Internal, Read);
    }

    /// <summary>The key after <see cref="Prefix"/>, from the raw target: percent-decoded once, dot segments refused.</summary>
    private static string KeyOf(HttpContext context) => KeyFromRawPath(context, Prefix);

    /// <summary>A blob key from the raw request target after <paramref name="prefix"/>, checked by <see cref="BlobNames"/>.</summary>
    public static string KeyFromRawPath(HttpContext context, string prefix)
    {
        var segments = RequestReading.SegmentsFromPath(context, prefix)
            ?? throw new InvalidArgumentException($"The path {context.Request.Path} does not name a blob key.");
        return UserKey(string.Join('/', segments));
    }

    /// <summary><paramref name="key"/>, once it is a valid blob key that a user may name: not one of Cairn's own.</summary>
    /// <exception cref="ForbiddenException">The key is under <see cref="BlobNames.ReservedPrefix"/>.</exception>
    public static string UserKey(string key)
    {
        BlobNames.ValidateKey(key);
        return BlobNames.IsReserved(key)
            ? throw new ForbiddenException($"Blob keys under '{BlobNames.ReservedPrefix}' are Cairn's own (the journal keeps its large messages there) and cannot be read, written or deleted through the blob APIs; use another key.")
            : key;
    }

    private static async Task PutAsync(HttpContext context, BlobStore blobs)
    {
        var key = KeyOf(context);
        Caller.Demand(context, AuthResources.Blobs, Write, key); // before a byte of the body is read
        AllowLargeBody(context);
        var headers = context.Request.GetTypedHeaders();
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch.Trim() != "*")
        {
            throw new InvalidArgumentException("On PUT, If-None-Match may only be '*' (store only if absent).");
        }

        var options = new BlobPutOptions
        {
            Ttl = RequestReading.Duration(context, "ttl"),
            IfAbsent = ifNoneMatch.Length > 0,
            IfMatch = context.Request.Headers.IfMatch.Count > 0 ? context.Request.Headers.IfMatch.ToString() : null,
            ContentType = headers.ContentType?.ToString(),
            ExpectedLength = context.Request.ContentLength,
        };
        BlobPutResult result;
        try
        {
            result = await blobs.PutAsync(key, context.Request.Body, options, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ConflictException)
        {
            // RFC 9110: a failed If-None-Match on a write is 412.
            throw new PreconditionFailedException(key, 0);
        }

        context.Response.StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        context.Response.Headers.ETag = result.Info.ETag;
        RevisionHeader.Set(context, result.Info.ModRevision);
        await Json.WriteAsync(context, Describe(result.Info)).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, BlobStore blobs)
    {
        var key = KeyOf(context);
        Caller.Demand(context, AuthResources.Blobs, Write, key);
        var ifMatch = context.Request.Headers.IfMatch.Count > 0 ? context.Request.Headers.IfMatch.ToString() : null;
        if (!await blobs.DeleteAsync(key, ifMatch, context.RequestAborted).ConfigureAwait(false))
        {
            throw new NoSuchKeyException(key);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Answers a GET or HEAD of <paramref name="key"/>: the bytes (or one range of them), streamed and checked.</summary>
    /// <exception cref="PermissionDeniedException">The caller may not read <paramref name="key"/>.</exception>
    public static async Task ServeAsync(HttpContext context, BlobStore blobs, string key, bool head, bool forceOctetStream)
    {
        Caller.Demand(context, AuthResources.Blobs, Read, key);
        await using var reader = await blobs.OpenReadAsync(key, context.RequestAborted).ConfigureAwait(false)
            ?? throw new NoSuchKeyException(key);
        var info = reader.Info;
        var response = context.Response;
        response.Headers.ETag = info.ETag;
        response.Headers.LastModified = info.Created.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        RevisionHeader.Set(context, info.ModRevision);
        if (info.Expires is { } expires)
        {
            response.Headers.Expires = expires.ToString("R", CultureInfo.InvariantCulture);
        }

        if (IfNoneMatchHits(context, info))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = forceOctetStream || info.ContentType is null ? "application/octet-stream" : info.ContentType;
        var (offset, length, partial) = RangeOf(context, info);
        if (partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{info.Size}";
        }

        response.ContentLength = length;
        if (head)
        {
            return;
        }

        try
        {
            await reader.CopyToAsync(response.Body, offset, length, context.RequestAborted).ConfigureAwait(false);
        }
        catch (CairnException) when (response.HasStarted)
        {
            // Some bytes are out: the only honest thing left is to break the transfer, so the client sees a failed
            // download (short of its Content-Length) rather than a complete-looking wrong body.
            context.Abort();
        }
    }

    private static bool IfNoneMatchHits(HttpContext context, BlobInfo info)
    {
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        return ifNoneMatch.Length > 0 && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Select(e => e.Trim())
            .Any(e => string.Equals(e.StartsWith("W/", StringComparison.Ordinal) ? e[2..] : e, info.ETag, StringComparison.Ordinal)));
    }

    /// <summary>The byte range to send: the one range asked for (an If-Range that no longer matches, or several ranges,
    /// get the whole body), or 416 when it is outside the body.</summary>
    private static (long Offset, long Length, bool Partial) RangeOf(HttpContext context, BlobInfo info)
    {
        var header = context.Request.Headers.Range.ToString();
        if (header.Length == 0 || !RangeHeaderValue.TryParse(header, out var range) || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || range.Ranges.Count != 1)
        {
            return (0, info.Size, false);
        }

        var ifRange = context.Request.Headers.IfRange.ToString();
        if (ifRange.Length > 0 && !string.Equals(ifRange.Trim(), info.ETag, StringComparison.Ordinal))
        {
            return (0, info.Size, false);
        }

        var item = range.Ranges.Single();
        long from, to;
        if (item.From is null)
        {
            var suffix = Math.Min(item.To ?? 0, info.Size);
            (from, to) = (info.Size - suffix, info.Size - 1);
        }
        else
        {
            from = item.From.Value;
            to = Math.Min(item.To ?? info.Size - 1, info.Size - 1);
        }

        if (from >= info.Size || to < from)
        {
            context.Response.Headers.ContentRange = $"bytes */{info.Size}";
            throw new RangeNotSatisfiableException($"Range '{header}' is outside the body of {info.Size} bytes.");
        }

        return (from, to - from + 1, true);
    }

    private static async Task ListAsync(HttpContext context, BlobStore blobs)
    {
        var query = SearchQueries.Native(context);
        Caller.DemandPrefix(context, AuthResources.Blobs, Read, query.Prefix ?? "");
        var page = await blobs.QueryAsync(query, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new BlobListDto { Items = [.. page.Items.Select(Describe)], Next = page.Next }).ConfigureAwait(false);
    }

    private static async Task InternalAsync(HttpContext context, BlobStore blobs, string volumeId, string blobId)
    {
        if (!BlobNames.IsId(volumeId) || !BlobNames.IsId(blobId))
        {
            throw new InvalidArgumentException("A volume or blob id is 32 lowercase hex digits.");
        }

        long offset = 0;
        long? length = null;
        if (RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range) && range.Ranges.Count == 1 && range.Ranges.Single() is { From: { } from, To: { } to })
        {
            (offset, length) = (from, to - from + 1);
        }

        var size = blobs.LocalBodySize(volumeId, blobId) ?? throw new NoSuchKeyException($"{volumeId}/{blobId}");
        length ??= size - offset;
        await using var stream = await blobs.OpenLocalAsync(volumeId, blobId, offset, length.Value, context.RequestAborted).ConfigureAwait(false)
            ?? throw new NoSuchKeyException($"{volumeId}/{blobId}");
        context.Response.StatusCode = StatusCodes.Status206PartialContent;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = length;
        try
        {
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (CairnException) when (context.Response.HasStarted)
        {
            context.Abort();
        }
    }

    /// <summary>A blob in answers.</summary>
    public static BlobDto Describe(BlobInfo info) => new()
    {
        Key = info.Key,
        Size = info.Size,
        Sha256 = info.Sha256,
        Etag = info.ETag,
        ContentType = info.ContentType,
        Created = info.Created,
        Expires = info.Expires,
        Node = info.NodeId,
        Volume = info.VolumeId,
        Revision = info.ModRevision,
    };

    /// <summary>Lifts Kestrel's request size limit for this request: a blob's limit is <c>Volumes:MaxBlobBytes</c>,
    /// enforced while streaming.</summary>
    public static void AllowLargeBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }
}

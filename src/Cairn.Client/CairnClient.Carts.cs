using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Carts over <c>/v1/carts</c>: pacifica-cartd's staged downloads. A cart names files in an archive; the
/// server stages them onto one node's disk (checking their hashes) and serves them as one tar, resumable by range.</summary>
public sealed partial class CairnClient
{
    private const int DownloadBufferSize = 256 * 1024;

    /// <summary>Creates a cart (<c>POST /v1/carts/{uid}</c>): its files are staged in the background; follow it with
    /// <see cref="WatchCartAsync"/> or <see cref="GetCartAsync"/>. Posting a uid again replaces the cart of that uid
    /// (a new <see cref="CartDto.CartId"/>), as pacifica-cartd did.</summary>
    /// <param name="uid">The cart's uid: ASCII letters, digits and <c>-_.:@</c>, at most 128, not <c>.</c> or <c>..</c>.</param>
    /// <param name="cart">The files (archive id, path in the tar, optional hash), bundle mode, archive.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cart as accepted (state <c>waiting</c>).</returns>
    /// <exception cref="InvalidArgumentException">A bad uid, no files, a bad path, an unknown hash type or archive (the
    /// message names it). Nothing is written.</exception>
    public Task<CartDto> CreateCartAsync(string uid, CreateCartDto cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        return SendJsonAsync<CartDto>(new HttpRequestMessage(HttpMethod.Post, CoordinationUri("v1/carts", Name("cart uid", uid))) { Content = JsonContent(cart) }, cancellationToken);
    }

    /// <summary>A cart with its files (<c>GET /v1/carts/{uid}</c>): state, progress (files staged, bytes, ETA), and each
    /// file's state.</summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cart, or null when there is none.</returns>
    public Task<CartDto?> GetCartAsync(string uid, CancellationToken cancellationToken = default) =>
        SendJsonOrNullAsync<CartDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/carts", Name("cart uid", uid))), cancellationToken);

    /// <summary>One page of carts in uid order (<c>GET /v1/carts</c>).</summary>
    /// <param name="after">Start after this uid (the <see cref="CartListDto.Next"/> of the previous page); null: from the first.</param>
    /// <param name="limit">At most this many; null: the server's page size.</param>
    /// <param name="state">Only carts in this state (see <see cref="CartStates"/>); null: all.</param>
    /// <param name="files">Include each cart's files.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="InvalidArgumentException">An unknown state or a bad limit.</exception>
    public Task<CartListDto> ListCartsAsync(string? after = null, int? limit = null, string? state = null, bool files = false, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (after is not null)
        {
            query.Add("after=" + Uri.EscapeDataString(after));
        }

        if (limit is { } n)
        {
            query.Add("limit=" + Num(n));
        }

        if (state is not null)
        {
            query.Add("state=" + Uri.EscapeDataString(state));
        }

        if (files)
        {
            query.Add("files=true");
        }

        var path = query.Count == 0 ? KeyUri("v1/carts") : KeyUri("v1/carts?" + string.Join('&', query));
        return SendJsonAsync<CartListDto>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
    }

    /// <summary>Every cart, following the pages (one request each); see <see cref="ListCartsAsync"/>.</summary>
    /// <param name="state">Only carts in this state; null: all.</param>
    /// <param name="files">Include each cart's files.</param>
    /// <param name="pageSize">Carts per request; null: the server's page size.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async IAsyncEnumerable<CartDto> ListAllCartsAsync(string? state = null, bool files = false, int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        while (true)
        {
            var page = await ListCartsAsync(after, pageSize, state, files, cancellationToken).ConfigureAwait(false);
            foreach (var cart in page.Items)
            {
                yield return cart;
            }

            if (page.Next is null || page.Next == after || page.Items.Count == 0)
            {
                yield break;
            }

            after = page.Next;
        }
    }

    /// <summary>Deletes a cart (<c>DELETE /v1/carts/{uid}</c>): its staging stops, its files are removed from the node
    /// that keeps them, and its event streams end with a <c>deleted</c> event.</summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such cart.</returns>
    public Task<bool> DeleteCartAsync(string uid, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, CoordinationUri("v1/carts", Name("cart uid", uid))), cancellationToken);

    /// <summary>Restarts a cart's staging (<c>POST /v1/carts/{uid}/fix</c>, the seed's <c>fixit</c>): files in error, or
    /// whose staged copy is missing, are fetched again; the cart goes back to <c>waiting</c> unless every file is fine.</summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cart after the fix.</returns>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public Task<CartDto> FixCartAsync(string uid, CancellationToken cancellationToken = default) =>
        SendJsonAsync<CartDto>(new HttpRequestMessage(HttpMethod.Post, CoordinationUri("v1/carts", Name("cart uid", uid), "fix")), cancellationToken);

    /// <summary>Deletes every cart not changed or used for <paramref name="olderThan"/> (<c>POST /v1/admin/carts/purge</c>,
    /// the seed's <c>purge --time-ago</c>), or only says which when <paramref name="dryRun"/>.</summary>
    /// <param name="olderThan">A duration: <c>180d</c>, <c>12h</c>, <c>90s</c>, seconds.</param>
    /// <param name="dryRun">Delete nothing; list what would go.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The uids deleted (or that would be), oldest first.</returns>
    /// <exception cref="InvalidArgumentException"><paramref name="olderThan"/> is not a duration.</exception>
    public Task<PurgeCartsResultDto> PurgeCartsAsync(string olderThan, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(olderThan);
        var request = JsonRequest(HttpMethod.Post, "v1/admin/carts/purge", new PurgeCartsDto { OlderThan = olderThan, DryRun = dryRun });
        return SendJsonAsync<PurgeCartsResultDto>(request, cancellationToken);
    }

    /// <summary>
    /// Follows a cart (<c>GET /v1/carts/{uid}/events</c>, SSE): every change of the cart record (<c>cart</c>: state,
    /// progress) and of its files (<c>file</c>) from <paramref name="fromRevision"/> on, in revision order, until the cart
    /// is deleted (a last <c>deleted</c> event, then the sequence ends). It does not end when the cart is ready: stop
    /// reading when <see cref="CartStates.IsSettled"/> says so. A dropped connection is reopened where it stopped: nothing
    /// is lost or repeated. A cart deleted while the connection was down ends the sequence with a <c>deleted</c> event of
    /// revision 0.
    /// </summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="fromRevision">The first revision to deliver (e.g. a <see cref="CartDto.ModRevision"/> read + 1); 0:
    /// changes from now on.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <exception cref="NotFoundException">No such cart (when the stream is first opened).</exception>
    /// <exception cref="CompactedException"><paramref name="fromRevision"/> is below the compaction point.</exception>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public IAsyncEnumerable<CartEventDto> WatchCartAsync(string uid, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        var cartUid = Name("cart uid", uid);
        var events = CoordinationUri("v1/carts", cartUid, "events").OriginalString;
        return ResumableStreamAsync<CartEventDto>(
            from => from > 0 ? events + "?fromRevision=" + Num(from) : events,
            fromRevision,
            e => e.Revision,
            e => e.Type == CartEventTypes.Deleted,
            () => new CartEventDto { Type = CartEventTypes.Deleted, Cart = new CartDto { Uid = cartUid, State = CartStates.Deleted } },
            cancellationToken);
    }

    /// <summary>A ready cart's tar's length and ETag (<c>HEAD /v1/carts/{uid}/tar</c>), without its bytes: what a
    /// download about to start, or to resume, can keep beside its partial file.</summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="fileName">The download's name (see <see cref="DownloadCartAsync"/>); null: the server's default.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="CartNotReadyException">The cart is not ready (still staging, or failed).</exception>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public Task<CartTarInfo> GetCartTarInfoAsync(string uid, string? fileName = null, CancellationToken cancellationToken = default)
    {
        var cartUid = Name("cart uid", uid);
        return SendAsync(new HttpRequestMessage(HttpMethod.Head, TarUri(cartUid, fileName)), async (response, ct) =>
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.Conflict:
                    throw await NotReadyAsync(cartUid, response, ct).ConfigureAwait(false);
                case HttpStatusCode.NotFound:
                    // A HEAD answer has no problem document to name the error by.
                    throw new NotFoundException($"There is no cart '{cartUid}'.");
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            var length = response.Content.Headers.ContentLength
                ?? throw new InternalErrorException($"The server did not say the length of cart '{cartUid}'s tar.");
            return new CartTarInfo(length, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);
        }, cancellationToken);
    }

    /// <summary>
    /// Downloads a ready cart's tar (<c>GET /v1/carts/{uid}/tar</c>) into <paramref name="destination"/>, streamed (memory
    /// stays flat whatever the size). With an <paramref name="offset"/>, only the rest is asked for (<c>Range</c>), on
    /// condition that the tar is still the one of <paramref name="ifRangeETag"/> (<c>If-Range</c>): the server then
    /// answers 206 and the bytes are appended; if the tar changed (the cart was posted again) it answers 200 with the
    /// whole tar, and the destination is rewound by <paramref name="offset"/> and cut there before it is written.
    /// </summary>
    /// <param name="uid">The cart's uid.</param>
    /// <param name="destination">Where the bytes go. When resuming it holds the first <paramref name="offset"/> bytes and
    /// is positioned after them; it must be seekable for a restart (else a <see cref="ConflictException"/>).</param>
    /// <param name="offset">How many bytes of the tar the destination already holds (0: all of it is wanted).</param>
    /// <param name="ifRangeETag">The ETag of the download those bytes came from; null: resume unconditionally (only
    /// safe when the cart cannot have changed).</param>
    /// <param name="fileName">The download's name (its root directory in the tar is this minus a trailing <c>.tar</c>);
    /// null: the server's default, <c>data_yyyy_MM_dd_HH_mm_ss.tar</c>.</param>
    /// <param name="progress">Told the bytes of the tar the destination holds so far, after each chunk.</param>
    /// <param name="cancellationToken">Cancels the download (what was written stays written: resume from there).</param>
    /// <returns>The tar's length and ETag, and whether the download resumed or restarted.</returns>
    /// <exception cref="CartNotReadyException">The cart is still staging (try later), or failed (its message says why).</exception>
    /// <exception cref="NotFoundException">No such cart.</exception>
    /// <exception cref="RangeNotSatisfiableException"><paramref name="offset"/> lies beyond the end of that tar.</exception>
    /// <exception cref="UnavailableException">The connection broke (resume from the bytes written), or the node keeping
    /// the cart is down.</exception>
    public Task<CartDownloadResult> DownloadCartAsync(
        string uid,
        Stream destination,
        long offset = 0,
        string? ifRangeETag = null,
        string? fileName = null,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var cartUid = Name("cart uid", uid);
        var request = new HttpRequestMessage(HttpMethod.Get, TarUri(cartUid, fileName));
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
            if (ifRangeETag is not null)
            {
                if (!EntityTagHeaderValue.TryParse(ifRangeETag, out var tag))
                {
                    request.Dispose();
                    throw new ArgumentException($"'{ifRangeETag}' is not an entity tag (a quoted string, e.g. \"abc\").", nameof(ifRangeETag));
                }

                request.Headers.IfRange = new RangeConditionHeaderValue(tag);
            }
        }

        return SendAsync(request, async (response, ct) =>
        {
            var etag = response.Headers.ETag?.ToString();
            switch (response.StatusCode)
            {
                case HttpStatusCode.Conflict:
                    throw await NotReadyAsync(cartUid, response, ct).ConfigureAwait(false);
                case HttpStatusCode.RequestedRangeNotSatisfiable when offset > 0 && response.Content.Headers.ContentRange?.Length == offset:
                    // The destination holds the whole tar already (an earlier download ended just before its rename).
                    return new CartDownloadResult(offset, etag ?? ifRangeETag, Resumed: true, offset, 0);
                case HttpStatusCode.PartialContent:
                    {
                        var range = response.Content.Headers.ContentRange;
                        if (offset == 0 || range is not { From: { } from, Length: { } total } || from != offset)
                        {
                            throw new InternalErrorException($"The server answered a download of cart '{cartUid}' from byte {offset} with the range '{range}'.");
                        }

                        var written = await CopyBodyAsync(response, destination, offset, progress, cartUid, ct).ConfigureAwait(false);
                        return new CartDownloadResult(total, etag, Resumed: true, offset, written);
                    }
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            if (offset > 0)
            {
                if (!destination.CanSeek)
                {
                    throw new ConflictException($"Cart '{cartUid}' changed since the partial download (the server sent the whole tar again), and the destination cannot be rewound: download it again from the start.");
                }

                destination.Seek(-offset, SeekOrigin.Current);
                destination.SetLength(destination.Position);
            }

            var all = await CopyBodyAsync(response, destination, 0, progress, cartUid, ct).ConfigureAwait(false);
            return new CartDownloadResult(all, etag, Resumed: false, 0, all);
        }, cancellationToken);
    }

    private Uri TarUri(string uid, string? fileName) =>
        fileName is null
            ? CoordinationUri("v1/carts", uid, "tar")
            : CoordinationUri("v1/carts", [uid, "tar"], "filename=" + Uri.EscapeDataString(fileName));

    private static async Task<long> CopyBodyAsync(HttpResponseMessage response, Stream destination, long start, IProgress<long>? progress, string uid, CancellationToken cancellationToken)
    {
        var expected = response.Content.Headers.ContentLength;
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(DownloadBufferSize);
        try
        {
            await using (body.ConfigureAwait(false))
            {
                long written = 0;
                int n;
                while ((n = await body.ReadAsync(buffer.AsMemory(0, DownloadBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    written += n;
                    progress?.Report(start + written);
                }

                if (expected is { } length && written != length)
                {
                    throw new UnavailableException($"The download of cart '{uid}' broke off after {start + written} bytes of the tar ({written} of the {length} sent): resume it from there.");
                }

                return written;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<CartNotReadyException> NotReadyAsync(string uid, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var problem = ToException(response.StatusCode, body);
        string? state = null;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("state", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                state = s.GetString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a problem document: the status alone says it.
        }

        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero,
            _ => (TimeSpan?)null,
        };
        var message = problem is InternalErrorException ? $"Cart '{uid}' is not ready for download." : problem.Message;
        return new CartNotReadyException(uid, message) { State = state, RetryAfter = retryAfter };
    }
}

using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Carts;

// A cart's changes as events. The stream watches the cart's record only: every write of a file record also writes the
// cart record in the same transaction, naming the files it changed, and those are read at that revision — so cart and
// file events come in revision order from one watch, however many files the cart has.
public sealed partial class CartStore
{
    /// <summary>
    /// The cart's changes from <paramref name="fromRevision"/> (0: now, starting with a <c>cart</c> event of its present
    /// state): <c>cart</c> and <c>file</c> events in order, ending after a <c>deleted</c> event (also when it is replaced
    /// by a new post of its uid).
    /// </summary>
    /// <exception cref="NotFoundException">No such cart now (and, from a revision, none then either).</exception>
    /// <exception cref="CompactedException">The history from <paramref name="fromRevision"/> is gone.</exception>
    public async IAsyncEnumerable<CartEventDto> WatchAsync(string uid, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        if (fromRevision < 0)
        {
            throw new InvalidArgumentException($"fromRevision: a revision is 0 or more; got {fromRevision}.");
        }

        var key = CartKeys.Cart(uid);
        string? cartId = null;
        CartRecord? last = null;
        if (fromRevision == 0)
        {
            var now = await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw NoSuchCart(uid);
            cartId = now.Record.CartId;
            last = now.Record;
            fromRevision = now.Revision + 1;
            yield return new CartEventDto { Type = CartEventTypes.Cart, Revision = now.Kv.ModRevision, Cart = CartJson.ToDto(now.Record, now.Kv.ModRevision, Now) };
        }
        else
        {
            // The cart the stream follows is the one there just before the start (or, if none, the first one posted
            // after it); a start below the compaction point is CompactedException here or from the watch.
            var then = fromRevision > 1 ? await ReadCartAsync(uid, cancellationToken, fromRevision - 1).ConfigureAwait(false) : null;
            if (then is null && await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false) is null)
            {
                throw NoSuchCart(uid);
            }

            cartId = then?.Record.CartId;
            last = then?.Record;
        }

        var request = new WatchRequest(KeyRange.Single(key)) { StartRevision = fromRevision, PrevKv = true };
        var sawAny = last is not null;
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            foreach (var change in response.Events)
            {
                if (change.Type == WatchEventType.Delete)
                {
                    var gone = change.PrevKv is { } prev ? CartJson.Decode<CartRecord>(prev) : last;
                    if (gone is null && !sawAny)
                    {
                        continue; // the deletion of a cart from before the one this stream follows
                    }

                    yield return Deleted(gone, uid, change.Kv.ModRevision);
                    yield break;
                }

                var record = CartJson.Decode<CartRecord>(change.Kv);
                if (cartId is not null && record.CartId != cartId)
                {
                    // Replaced by a new post of the uid: for this cart, that is its end.
                    yield return Deleted(last ?? (change.PrevKv is { } p ? CartJson.Decode<CartRecord>(p) : null), uid, change.Kv.ModRevision);
                    yield break;
                }

                cartId = record.CartId;
                last = record;
                sawAny = true;
                yield return new CartEventDto { Type = CartEventTypes.Cart, Revision = change.Kv.ModRevision, Cart = CartJson.ToDto(record, change.Kv.ModRevision, Now) };
                foreach (var file in await ChangedFilesAsync(record, change.Kv.ModRevision, cancellationToken).ConfigureAwait(false))
                {
                    yield return new CartEventDto { Type = CartEventTypes.File, Revision = change.Kv.ModRevision, File = file };
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!sawAny)
        {
            throw NoSuchCart(uid);
        }
    }

    /// <summary>The file records written at <paramref name="revision"/> with <paramref name="record"/>.</summary>
    private async Task<List<CartFileDto>> ChangedFilesAsync(CartRecord record, long revision, CancellationToken cancellationToken)
    {
        if (record.Changed is { Count: 0 })
        {
            return [];
        }

        KeyRange range;
        if (record.Changed is { Count: > 0 } changed && changed.Max() < 999_999)
        {
            var first = changed.Min();
            var end = changed.Max() + 1;
            range = KeyRange.Between(CartKeys.File(record.CartId, first), CartKeys.File(record.CartId, end));
        }
        else
        {
            range = KeyRange.Prefix(CartKeys.Files(record.CartId));
        }

        var read = await _store.RangeAsync(new RangeRequest(range) { Revision = revision }, cancellationToken).ConfigureAwait(false);
        var wanted = record.Changed?.ToHashSet();
        return [.. read.Kvs
            .Where(kv => kv.ModRevision == revision)
            .Select(CartJson.Decode<CartFileDto>)
            .Where(f => wanted is null || wanted.Contains(f.Index))];
    }

    private CartEventDto Deleted(CartRecord? record, string uid, long revision)
    {
        var dto = record is null ? new CartDto { Uid = uid } : CartJson.ToDto(record, revision, Now);
        dto.State = CartStates.Deleted;
        dto.EtaSeconds = null;
        dto.ModRevision = revision;
        return new CartEventDto { Type = CartEventTypes.Deleted, Revision = revision, Cart = dto };
    }
}

using System.Globalization;
using System.Text.Json;
using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Carts;

/// <summary>
/// Carts as keys (layout in <c>docs/carts.md</c>): a cart record per uid, a file record per file, an index of carts not
/// yet settled, and claims that bind a staging cart to the node working on it. Every change of state is one
/// transaction, so a reader sees a whole state and a watcher every change in order. Any node accepts, reads, deletes
/// and fixes carts; staging is <see cref="CartNode"/>'s.
/// </summary>
public sealed partial class CartStore
{
    /// <summary>File records written per transaction when a cart is created (well under any backend's op limit).</summary>
    private const int FileBatch = 64;

    /// <summary>Bytes of file records written per transaction (well under etcd's request limit).</summary>
    private const int FileBatchBytes = 512 * 1024;

    private readonly IKeyspace _store;
    private readonly CartOptions _options;
    private readonly CartArchives _archives;
    private readonly TimeProvider _time;

    /// <summary>Carts in <paramref name="store"/>; <paramref name="archives"/> checks the archive a cart names.</summary>
    public CartStore(IKeyspace store, CartOptions options, CartArchives archives, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(archives);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _options = options;
        _archives = archives;
        _time = time;
    }

    internal IKeyspace Keyspace => _store;

    internal CartOptions Options => _options;

    internal CartArchives Archives => _archives;

    internal TimeProvider Time => _time;

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>
    /// Accepts a cart (state <c>waiting</c>) after checking it whole: uid, at least one and at most
    /// <see cref="CartOptions.MaxFiles"/> files, ids, paths (normalised, distinct), hash types (and a hash sum with each
    /// when <paramref name="requireHashes"/>, as the seed's schema did), the archive. A uid posted again replaces its
    /// cart (the old one is deleted in the same transaction; its files go with it).
    /// </summary>
    /// <exception cref="InvalidArgumentException">The request is refused; nothing was written.</exception>
    public async Task<CartDto> CreateAsync(string uid, CreateCartDto request, bool requireHashes, CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        ArgumentNullException.ThrowIfNull(request);
        var files = CheckFiles(request.FileIds, requireHashes);
        var archive = _archives.Get(request.Archive).Name;
        var bundle = request.Bundle ?? _options.BundleByDefault;

        var cartId = CartKeys.NewId();
        var now = Now;
        var record = new CartRecord
        {
            Uid = uid,
            CartId = cartId,
            State = CartStates.Waiting,
            Bundle = bundle,
            Archive = archive,
            Created = now,
            Updated = now,
            LastUsed = now,
            FileCount = files.Count,
        };

        // The file records first, under the new cart id that nothing points at yet; then one transaction makes the
        // cart visible (and drops the one it replaces).
        try
        {
            await WriteFileRecordsAsync(cartId, files, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var old = await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false);
                var compares = new List<Compare> { Compare.ModRevision(CartKeys.Cart(uid), CompareResult.Equal, old?.Kv.ModRevision ?? 0) };
                var ops = new List<KvRequest>
                {
                    new PutRequest(CartKeys.Cart(uid), CartJson.Encode(record)),
                    new PutRequest(CartKeys.Pending(cartId), CartJson.Utf8(uid)),
                };
                if (old is { } previous)
                {
                    ops.AddRange(DropOps(previous.Record));
                }

                var result = await _store.TxnAsync(new TxnRequest(compares, ops, []), cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    return CartJson.ToDto(record, result.Revision, now);
                }
            }
        }
        catch
        {
            await ForgetFilesAsync(cartId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The cart of <paramref name="uid"/> (with its files when <paramref name="withFiles"/>), or null.</summary>
    public async Task<CartDto?> GetAsync(string uid, bool withFiles, CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        var read = await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false);
        if (read is not { } found)
        {
            return null;
        }

        var dto = CartJson.ToDto(found.Record, found.Kv.ModRevision, Now);
        if (withFiles)
        {
            dto.Files = [.. await ReadFilesAsync(found.Record.CartId, found.Revision, cancellationToken).ConfigureAwait(false)];
        }

        return dto;
    }

    /// <summary>Carts in uid order after <paramref name="after"/>, at most <paramref name="limit"/>, only those in
    /// <paramref name="state"/> when given.</summary>
    public async Task<CartListDto> ListAsync(string? after, int limit, string? state, bool withFiles, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            throw new InvalidArgumentException($"limit: at least 1; got {limit}.");
        }

        if (state is not null && state is not (CartStates.Waiting or CartStates.Staging or CartStates.Bundling or CartStates.Ready or CartStates.Error))
        {
            throw new InvalidArgumentException($"state: one of waiting, staging, bundling, ready, error; got '{state}'.");
        }

        var list = new CartListDto();
        var from = string.IsNullOrEmpty(after) ? CartKeys.CartsPrefix : CartKeys.Cart(CartPaths.CheckUid(after)) + "\0";
        var end = Keys.PrefixEnd(CartKeys.CartsPrefix)!;
        var now = Now;
        while (true)
        {
            var page = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Limit = Math.Max(limit + 1, 64) }, cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Kvs)
            {
                var record = CartJson.Decode<CartRecord>(kv);
                if (state is not null && record.State != state)
                {
                    continue;
                }

                if (list.Items.Count == limit)
                {
                    list.Next = list.Items[^1].Uid;
                    return list;
                }

                var dto = CartJson.ToDto(record, kv.ModRevision, now);
                if (withFiles)
                {
                    dto.Files = [.. await ReadFilesAsync(record.CartId, 0, cancellationToken).ConfigureAwait(false)];
                }

                list.Items.Add(dto);
            }

            if (!page.More)
            {
                return list;
            }

            from = page.Kvs[^1].Key + "\0";
        }
    }

    /// <summary>Deletes the cart of <paramref name="uid"/> and its file records in one transaction (the node keeping its
    /// files removes them when it sees the deletion); false when there is none.</summary>
    public async Task<bool> DeleteAsync(string uid, CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        while (true)
        {
            if (await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return false;
            }

            if (await TryDeleteAsync(found.Record, found.Kv.ModRevision, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
    }

    /// <summary>Records a use (a download starting): <see cref="CartDto.LastUsed"/> = now.</summary>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public async Task<CartDto> TouchAsync(string uid, CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        while (true)
        {
            var found = await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw NoSuchCart(uid);
            var record = found.Record;
            var now = Now;
            record.LastUsed = now;
            record.Changed = [];
            var result = await _store.TxnAsync(new TxnRequest(
                [Compare.ModRevision(CartKeys.Cart(uid), CompareResult.Equal, found.Kv.ModRevision)],
                [new PutRequest(CartKeys.Cart(uid), CartJson.Encode(record))], []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return CartJson.ToDto(record, result.Revision, now);
            }
        }
    }

    /// <summary>The seed's <c>fixit</c>: a cart in <c>error</c> goes back to <c>waiting</c> with its failed files reset
    /// (staged files are kept); a cart in any other state is returned unchanged.</summary>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public async Task<CartDto> FixAsync(string uid, CancellationToken cancellationToken = default)
    {
        uid = CartPaths.CheckUid(uid);
        while (true)
        {
            var found = await ReadCartAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw NoSuchCart(uid);
            if (found.Record.State != CartStates.Error)
            {
                return CartJson.ToDto(found.Record, found.Kv.ModRevision, Now);
            }

            var record = found.Record;
            var files = await ReadFilesAsync(record.CartId, found.Revision, cancellationToken).ConfigureAwait(false);
            var reset = files.Where(f => f.State != CartFileStates.Staged).ToList();
            foreach (var file in reset)
            {
                file.State = CartFileStates.Waiting;
                file.BytesDone = 0;
                file.Error = null;
            }

            // Batches of file records, each with the cart record (still in error, naming the files it resets) so a watcher
            // sees them; the last batch moves the cart to waiting and queues it. A concurrent change of the cart ends the
            // chain, and the next round starts from what is there then.
            var revision = found.Kv.ModRevision;
            var batches = reset.Chunk(FileBatch).ToList();
            if (batches.Count == 0)
            {
                batches.Add([]);
            }

            for (var i = 0; i < batches.Count; i++)
            {
                var last = i == batches.Count - 1;
                var now = Now;
                record.Updated = now;
                record.Changed = [.. batches[i].Select(f => f.Index)];
                var ops = new List<KvRequest>();
                ops.AddRange(batches[i].Select(f => new PutRequest(CartKeys.File(record.CartId, f.Index), CartJson.Encode(f))));
                if (last)
                {
                    record.State = CartStates.Waiting;
                    record.Message = "";
                    record.FilesStaged = files.Count(f => f.State == CartFileStates.Staged);
                    record.BytesDone = files.Sum(f => f.BytesDone);
                    record.TotalBytes = files.Sum(f => f.Size ?? 0);
                    record.StagingStarted = null;
                    record.ReadyAt = null;
                    record.TarBytes = null;
                    ops.Add(new PutRequest(CartKeys.Pending(record.CartId), CartJson.Utf8(uid)));
                }

                ops.Add(new PutRequest(CartKeys.Cart(uid), CartJson.Encode(record)));
                var result = await _store.TxnAsync(new TxnRequest(
                    [Compare.ModRevision(CartKeys.Cart(uid), CompareResult.Equal, revision)], ops, []), cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    break; // changed meanwhile: read it again
                }

                revision = result.Revision;
                if (last)
                {
                    return CartJson.ToDto(record, revision, now);
                }
            }
        }
    }

    /// <summary>The seed's <c>purge</c>: deletes settled carts (<c>ready</c>, <c>error</c>) not updated or used for
    /// <paramref name="olderThan"/>, oldest first (only lists them when <paramref name="dryRun"/>).</summary>
    public async Task<PurgeCartsResultDto> PurgeAsync(TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken = default)
    {
        if (olderThan < TimeSpan.Zero)
        {
            throw new InvalidArgumentException($"olderThan: a duration of 0 or more; got {olderThan}.");
        }

        var cutoff = Now - olderThan;
        var candidates = new List<(KeyValue Kv, CartRecord Record, DateTimeOffset Last)>();
        await foreach (var (kv, record) in AllCartsAsync(cancellationToken).ConfigureAwait(false))
        {
            var last = record.Updated > record.LastUsed ? record.Updated : record.LastUsed;
            if (CartStates.IsSettled(record.State) && last < cutoff)
            {
                candidates.Add((kv, record, last));
            }
        }

        var result = new PurgeCartsResultDto();
        foreach (var (kv, record, _) in candidates.OrderBy(c => c.Last).ThenBy(c => c.Record.Uid, StringComparer.Ordinal))
        {
            // A cart used or changed since it was read is not old any more: the compare keeps it.
            if (dryRun || await TryDeleteAsync(record, kv.ModRevision, cancellationToken).ConfigureAwait(false))
            {
                result.Deleted.Add(record.Uid);
            }
        }

        return result;
    }

    // ---- shared with CartNode ----

    /// <summary>The cart record of <paramref name="uid"/> and the revision it was read at; null when there is none.</summary>
    internal async Task<(KeyValue Kv, CartRecord Record, long Revision)?> ReadCartAsync(string uid, CancellationToken cancellationToken, long revision = 0)
    {
        var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Cart(uid))) { Revision = revision }, cancellationToken).ConfigureAwait(false);
        return read.Kvs.Count == 0 ? null : (read.Kvs[0], CartJson.Decode<CartRecord>(read.Kvs[0]), read.Revision);
    }

    /// <summary>The file records of cart <paramref name="cartId"/> in index order, at <paramref name="revision"/> (0: now).</summary>
    internal async Task<List<CartFileDto>> ReadFilesAsync(string cartId, long revision, CancellationToken cancellationToken)
    {
        var files = new List<CartFileDto>();
        var from = CartKeys.Files(cartId);
        var end = Keys.PrefixEnd(from)!;
        while (true)
        {
            var page = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Revision = revision, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
            files.AddRange(page.Kvs.Select(CartJson.Decode<CartFileDto>));
            if (!page.More)
            {
                return files;
            }

            revision = page.Revision;
            from = page.Kvs[^1].Key + "\0";
        }
    }

    /// <summary>Every cart record, page by page.</summary>
    internal async IAsyncEnumerable<(KeyValue Kv, CartRecord Record)> AllCartsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = CartKeys.CartsPrefix;
        var end = Keys.PrefixEnd(from)!;
        while (true)
        {
            var page = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Limit = 500 }, cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Kvs)
            {
                yield return (kv, CartJson.Decode<CartRecord>(kv));
            }

            if (!page.More)
            {
                yield break;
            }

            from = page.Kvs[^1].Key + "\0";
        }
    }

    /// <summary>Deletes the cart if its record is still at <paramref name="modRevision"/>: its record, files, queue entry
    /// and claim, and a tombstone for the volume holding its files; false when it changed meanwhile.</summary>
    internal async Task<bool> TryDeleteAsync(CartRecord record, long modRevision, CancellationToken cancellationToken)
    {
        var ops = new List<KvRequest> { new DeleteRequest(KeyRange.Single(CartKeys.Cart(record.Uid))) };
        ops.AddRange(DropOps(record));
        var result = await _store.TxnAsync(new TxnRequest(
            [Compare.ModRevision(CartKeys.Cart(record.Uid), CompareResult.Equal, modRevision)], ops, []), cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>What goes with a cart that is deleted or replaced (not its record).</summary>
    private static IEnumerable<KvRequest> DropOps(CartRecord old)
    {
        yield return new DeleteRequest(KeyRange.Prefix(CartKeys.Files(old.CartId)));
        yield return new DeleteRequest(KeyRange.Single(CartKeys.Pending(old.CartId)));
        yield return new DeleteRequest(KeyRange.Single(CartKeys.Claim(old.CartId)));
        if (old.Volume is { } volume)
        {
            yield return new PutRequest(CartKeys.Gone(volume, old.CartId), CartJson.Utf8(old.Uid));
        }
    }

    internal static NotFoundException NoSuchCart(string uid) => new($"No cart with uid {uid} found.");

    private List<CartFileDto> CheckFiles(List<CartFileRequestDto>? requested, bool requireHashes)
    {
        if (requested is null || requested.Count == 0)
        {
            throw new InvalidArgumentException("fileids: a cart needs at least one file.");
        }

        if (requested.Count > _options.MaxFiles)
        {
            throw new InvalidArgumentException($"fileids: at most {_options.MaxFiles} files in one cart (Carts:MaxFiles); got {requested.Count}.");
        }

        var files = new List<CartFileDto>(requested.Count);
        for (var i = 0; i < requested.Count; i++)
        {
            var item = requested[i] ?? throw new InvalidArgumentException($"fileids[{i}]: a file is an object with id and path.");
            try
            {
                var file = new CartFileDto
                {
                    Index = i,
                    Id = CartPaths.CheckArchiveId(IdText(item.Id)),
                    Path = CartPaths.NormalizeFilePath(item.Path),
                };
                var hasType = !string.IsNullOrWhiteSpace(item.HashType);
                var hasSum = !string.IsNullOrWhiteSpace(item.HashSum);
                if (requireHashes && (!hasType || !hasSum))
                {
                    throw new InvalidArgumentException("hashtype and hashsum are required.");
                }

                if (hasSum && !hasType)
                {
                    throw new InvalidArgumentException("a hashsum needs its hashtype.");
                }

                if (hasType)
                {
                    file.HashType = CartHashes.Normalize(item.HashType!);
                }

                if (hasSum)
                {
                    var sum = item.HashSum!.Trim().ToLowerInvariant();
                    if (!sum.All(char.IsAsciiHexDigitLower) || sum.Length == 0)
                    {
                        throw new InvalidArgumentException("hashsum is not hex.");
                    }

                    file.HashSum = sum;
                }

                files.Add(file);
            }
            catch (InvalidArgumentException e)
            {
                throw new InvalidArgumentException($"fileids[{i}]: {e.Message}");
            }
        }

        CartPaths.CheckDistinct([.. files.Select(f => f.Path)]);
        return files;
    }

    /// <summary>An id as the seed took it: a JSON string, or an integer written as text.</summary>
    private static string IdText(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => id.GetString()!,
        JsonValueKind.Number when id.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => throw new InvalidArgumentException($"id: an integer or a string; got {id.GetRawText()}."),
        JsonValueKind.Undefined or JsonValueKind.Null => throw new InvalidArgumentException("id is missing."),
        _ => throw new InvalidArgumentException($"id: an integer or a string; got a JSON {id.ValueKind.ToString().ToLowerInvariant()}."),
    };

    private async Task WriteFileRecordsAsync(string cartId, List<CartFileDto> files, CancellationToken cancellationToken)
    {
        var batch = new List<KvRequest>();
        var bytes = 0;
        foreach (var file in files)
        {
            var value = CartJson.Encode(file);
            if (batch.Count == FileBatch || (batch.Count > 0 && bytes + value.Length > FileBatchBytes))
            {
                await _store.TxnAsync(new TxnRequest([], batch, []), cancellationToken).ConfigureAwait(false);
                batch = [];
                bytes = 0;
            }

            batch.Add(new PutRequest(CartKeys.File(cartId, file.Index), value));
            bytes += value.Length;
        }

        if (batch.Count > 0)
        {
            await _store.TxnAsync(new TxnRequest([], batch, []), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the file records of a cart that never became visible (best effort).</summary>
    private async Task ForgetFilesAsync(string cartId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _store.DeleteAsync(new DeleteRequest(KeyRange.Prefix(CartKeys.Files(cartId))), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CairnException or OperationCanceledException)
        {
            // Orphaned records under an id nothing names; harmless.
        }
    }
}

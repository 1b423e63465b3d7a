using Cairn.Carts.Tar;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Core.IO;
using Microsoft.Extensions.Logging;

namespace Cairn.Carts;

/// <summary>
/// The staging of one claimed cart on this node: each file staged, polled, fetched, verified and synced
/// (<see cref="CartOptions.Parallelism"/> at a time), then the layout (and in bundle mode bundle.tar) and <c>ready</c>.
/// Every write is a transaction that compares the claim's create revision (the fencing token) — a job whose claim went
/// (deleted cart, expired lease) writes nothing more and stops — and writes the cart record with its aggregates.
/// </summary>
internal sealed partial class CartJob : IDisposable
{
    private readonly CartNode _node;
    private readonly CartVolume _volume;
    private readonly CartOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly bool _sameVolume;
    private CartRecord _record;
    private long _cartRevision;
    private List<CartFileDto> _files = [];
    private Task _run = Task.CompletedTask;
    private int _failed;

    public CartJob(CartNode node, CartRecord record, long claimRevision, bool sameVolume, CancellationToken session)
    {
        _node = node;
        _volume = node.Volume;
        _options = node.Options;
        _time = node.Time;
        _record = record;
        _cartRevision = claimRevision;
        ClaimRevision = claimRevision;
        _sameVolume = sameVolume;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(session);
    }

    public string CartId => _record.CartId;

    public string Uid => _record.Uid;

    /// <summary>The claim's create revision: the fencing token of every write.</summary>
    public long ClaimRevision { get; }

    /// <summary>True once the job writes its last state (ready or error), which deletes its own claim.</summary>
    public bool Settling { get; private set; }

    public Task Completion => _run;

    public void Start() => _run = Task.Run(RunAsync, CancellationToken.None);

    public void Stop()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    public void Dispose()
    {
        _cts.Dispose();
        _write.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _cts.Token;
        try
        {
            _files = await _node.Carts.ReadFilesAsync(CartId, 0, token).ConfigureAwait(false);
            _volume.PrepareCartDirectory(CartId);
            var bundled = _sameVolume && BundleIsThere();
            var todo = new List<CartFileDto>();
            foreach (var file in _files)
            {
                var kept = file.State == CartFileStates.Staged && _sameVolume
                    && (bundled || CartVolume.RegularFileLength(_volume.DataPath(CartId, file.Index)) == file.Size);
                if (!kept)
                {
                    file.State = CartFileStates.Waiting;
                    file.BytesDone = 0;
                    file.Error = null;
                    todo.Add(file);
                }
            }

            var keptBytes = _files.Where(f => f.State == CartFileStates.Staged).Sum(f => f.Size ?? 0);
            await WriteAsync(null, r => r.BytesAtStart = keptBytes, [], token).ConfigureAwait(false);

            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Parallelism), CancellationToken = token },
                async (file, ct) => await StageFileAsync(file, ct).ConfigureAwait(false)).ConfigureAwait(false);

            if (Volatile.Read(ref _failed) == 0)
            {
                await FinishAsync(bundled, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: deleted, lease lost, node stopping.
        }
        catch (ClaimLostException)
        {
            // Another owner now (or none): nothing more to write.
        }
        catch (FileFailedException e)
        {
            await FailQuietlyAsync(null, e.Message).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The disk, the store, or a bug: the cart says so rather than staying in staging or bundling for ever.
            LogJobFailed(_node.Logger, Uid, e.ToString());
            await FailQuietlyAsync(null, "Failed to pull with error: " + e.Message).ConfigureAwait(false);
        }
        finally
        {
            _node.Finished(this);
            Dispose();
        }
    }

    /// <summary>All staged: bundling, then ready, in transactions that also drop the queue entry and the claim.</summary>
    private async Task FinishAsync(bool bundled, CancellationToken token)
    {
        await WriteAsync(null, r => r.State = CartStates.Bundling, [], token).ConfigureAwait(false);
        var now = Now;
        var readyAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var staged = _node.StagedEntries(CartId, _files, readyAt);
        if (_record.Bundle && !bundled)
        {
            await BuildBundleAsync(staged, readyAt, token).ConfigureAwait(false);
        }

        var tarBytes = CartTarLayout.Build(CartPaths.TarRoot(null, readyAt), staged, readyAt).Length;
        Settling = true;
        await WriteAsync(null, r =>
        {
            r.State = CartStates.Ready;
            r.Message = "";
            r.ReadyAt = readyAt;
            r.TarBytes = tarBytes;
        }, Settle(), token).ConfigureAwait(false);
        LogReady(_node.Logger, Uid, CartId, tarBytes);
    }

    /// <summary>Writes bundle.tar (root = uid, directories dated when the cart was posted, so that its layout is the
    /// same whenever it is computed) once, synced before the staged files it replaces are removed.</summary>
    private async Task BuildBundleAsync(List<CartTarEntry> staged, DateTimeOffset readyAt, CancellationToken token)
    {
        var layout = CartTarLayout.Build(Uid, staged, _record.Created);
        using var room = await ReserveAsync(layout.Length, token).ConfigureAwait(false);
        var part = _volume.BundlePartPath(CartId);
        CartVolume.DeleteEntry(part);
        await using (var target = new FileStream(part, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await using var source = layout.Open();
            await source.CopyToAsync(target, Math.Max(81920, _options.TransferSize), token).ConfigureAwait(false);
            target.Flush(flushToDisk: true);
        }

        File.Move(part, _volume.BundlePath(CartId), overwrite: true);
        FileSync.Directory(_volume.CartDirectory(CartId));
        Interlocked.Increment(ref _node.BundleBuilds);
        foreach (var file in _files)
        {
            CartVolume.DeleteEntry(_volume.DataPath(CartId, file.Index));
        }

        FileSync.Directory(_volume.CartDirectory(CartId));
    }

    /// <summary>True when every file is staged and bundle.tar is complete (a restart after the bundle was written).</summary>
    private bool BundleIsThere()
    {
        if (!_record.Bundle || _files.Any(f => f.State != CartFileStates.Staged || f.Size is null))
        {
            return false;
        }

        var length = CartTarLayout.Build(Uid, _node.StagedEntries(CartId, _files, _record.Created), _record.Created).Length;
        return CartVolume.RegularFileLength(_volume.BundlePath(CartId)) == length;
    }

    /// <summary>The ops that settle the cart: its queue entry and its claim go.</summary>
    private List<KvRequest> Settle() =>
    [
        new DeleteRequest(KeyRange.Single(CartKeys.Pending(CartId))),
        new DeleteRequest(KeyRange.Single(CartKeys.Claim(CartId))),
    ];

    /// <summary>The first failure sets the cart in error (settled) and stops the other files.</summary>
    private async Task FailAsync(CartFileDto? file, string error, CancellationToken token)
    {
        if (Interlocked.Exchange(ref _failed, 1) == 1)
        {
            return;
        }

        if (file is not null)
        {
            file.State = CartFileStates.Error;
            file.Error = error;
        }

        Settling = true;
        try
        {
            await WriteAsync(file, r =>
            {
                r.State = CartStates.Error;
                r.Message = $"Failed to pull file({error})";
            }, Settle(), token).ConfigureAwait(false);
            LogFailed(_node.Logger, Uid, CartId, error);
        }
        finally
        {
            Stop();
        }
    }

    private async Task FailQuietlyAsync(CartFileDto? file, string error)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await FailAsync(file, error, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClaimLostException or CairnException or OperationCanceledException)
        {
            // The claim went meanwhile, or the store is out of reach: whoever claims it next starts again.
        }
    }

    /// <summary>
    /// Writes <paramref name="file"/> (if any) and the cart record (changed by <paramref name="change"/>, aggregates
    /// recomputed) plus <paramref name="extra"/>, if the claim is still this job's; a concurrent touch of the cart is
    /// merged and the write tried again.
    /// </summary>
    /// <exception cref="ClaimLostException">The claim is gone or another's.</exception>
    private async Task WriteAsync(CartFileDto? file, Action<CartRecord>? change, IReadOnlyList<KvRequest> extra, CancellationToken token)
    {
        await _write.WaitAsync(token).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var record = _record.Copy();
                change?.Invoke(record);
                record.Updated = Now;
                record.Changed = file is null ? [] : [file.Index];
                record.FileCount = _files.Count;
                record.FilesStaged = _files.Count(f => f.State == CartFileStates.Staged);
                record.TotalBytes = _files.Sum(f => f.Size ?? 0);
                record.BytesDone = _files.Sum(f => f.BytesDone);
                var ops = new List<KvRequest>();
                if (file is not null)
                {
                    ops.Add(new PutRequest(CartKeys.File(CartId, file.Index), CartJson.Encode(file)));
                }

                ops.Add(new PutRequest(CartKeys.Cart(Uid), CartJson.Encode(record)));
                ops.AddRange(extra);
                var result = await _node.Store.TxnAsync(new TxnRequest(
                [
                    Compare.CreateRevision(CartKeys.Claim(CartId), CompareResult.Equal, ClaimRevision),
                    Compare.ModRevision(CartKeys.Cart(Uid), CompareResult.Equal, _cartRevision),
                ], ops, []), token).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    _record = record;
                    _cartRevision = result.Revision;
                    return;
                }

                var (_, now) = await ReadStateAsync(token).ConfigureAwait(false);
                _record.LastUsed = now.Record.LastUsed;
                _cartRevision = now.Kv.ModRevision;
            }
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>The claim and the cart now; <see cref="ClaimLostException"/> unless both are still this job's.</summary>
    private async Task<(KeyValue Claim, (KeyValue Kv, CartRecord Record) Cart)> ReadStateAsync(CancellationToken token)
    {
        var read = await _node.Store.TxnAsync(new TxnRequest([],
        [
            new RangeRequest(KeyRange.Single(CartKeys.Claim(CartId))),
            new RangeRequest(KeyRange.Single(CartKeys.Cart(Uid))),
        ], []), token).ConfigureAwait(false);
        var claim = ((RangeResult)read.Results[0]).Kvs;
        var cart = ((RangeResult)read.Results[1]).Kvs;
        if (claim.Count == 0 || claim[0].CreateRevision != ClaimRevision || cart.Count == 0)
        {
            throw new ClaimLostException();
        }

        var record = CartJson.Decode<CartRecord>(cart[0]);
        return record.CartId == CartId ? (claim[0], (cart[0], record)) : throw new ClaimLostException();
    }

    /// <summary>Room for <paramref name="bytes"/> on the volume, purging least recently used carts when short.</summary>
    /// <exception cref="FileFailedException">It cannot be made: <c>Not enough space to download file</c>.</exception>
    private async Task<CartNode.Reservation> ReserveAsync(long bytes, CancellationToken token)
    {
        while (true)
        {
            if (_node.TryReserve(bytes) is { } reservation)
            {
                return reservation;
            }

            if (!_options.LruPurge || !await _node.PurgeOneAsync(CartId, token).ConfigureAwait(false))
            {
                throw new FileFailedException(NotEnoughSpace);
            }
        }
    }

    public const string NotEnoughSpace = "Not enough space to download file";

    /// <summary>A file failed; the message is its error in the seed's words.</summary>
    internal sealed class FileFailedException(string message) : Exception(message);

    /// <summary>The claim is no longer this job's.</summary>
    internal sealed class ClaimLostException() : Exception("The cart's claim is gone.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {Uid} ({CartId}) is ready: {TarBytes} bytes of tar")]
    private static partial void LogReady(ILogger logger, string uid, string cartId, long tarBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cart {Uid} ({CartId}) failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string uid, string cartId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Staging cart {Uid} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string uid, string reason);
}

using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Core.IO;
using Microsoft.Extensions.Logging;

namespace Cairn.Carts;

/// <summary>
/// This node's part in carts: its cache volume (a directory with an id of its own, so a restarted node finds its staged
/// files again), published under a lease with the node's addresses; the loop that claims waiting carts (and carts whose
/// claimant died) up to <see cref="CartOptions.MaxActiveCarts"/> and stages them (stage, poll with backoff, copy in
/// chunks with retries and range resumes, verify, sync), lays them out and bundles them; the LRU purge of its ready
/// carts when space runs short; the removal of files of deleted carts; and the downloads it serves.
/// </summary>
public sealed partial class CartNode : IAsyncDisposable
{
    private readonly IKeyspace _store;
    private readonly CartStore _carts;
    private readonly CartArchives _archives;
    private readonly CartOptions _options;
    private readonly string _directory;
    private readonly string _nodeId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, CartJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inUse = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly object _gate = new();
    private readonly SemaphoreSlim _purgeGate = new(1, 1);
    private CartVolume? _volume;
    private CartLease? _lease;
    private List<string> _addresses = [];
    private Task _main = Task.CompletedTask;
    private long _reserved;
    private int _stopped;

    /// <summary>A node <paramref name="nodeId"/> keeping carts in <paramref name="volumeDirectory"/>.</summary>
    public CartNode(IKeyspace store, CartStore carts, CartArchives archives, CartOptions options, string volumeDirectory, string nodeId, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(carts);
        ArgumentNullException.ThrowIfNull(archives);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(volumeDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _carts = carts;
        _archives = archives;
        _options = options;
        _directory = Path.GetFullPath(volumeDirectory);
        _nodeId = nodeId;
        _time = time;
        _logger = logger;
    }

    /// <summary>The volume directory (full path).</summary>
    public string VolumeDirectory => _directory;

    /// <summary>The volume's id (stable across restarts).</summary>
    public string VolumeId => Volume.Id;

    /// <summary>The node's id.</summary>
    internal string NodeId => _nodeId;

    /// <summary>How many bundles this node has written (tests: a bundle is built once).</summary>
    internal int BundleBuilds;

    /// <summary>Free bytes of the volume's file system; tests replace it to give the volume a size of their choosing.</summary>
    internal Func<long>? FreeSpaceProbe { get; set; }

    /// <summary>Carts this node is staging now.</summary>
    internal IReadOnlyCollection<string> ActiveCarts => [.. _jobs.Keys];

    internal CartVolume Volume => _volume ?? throw new InvalidOperationException("The cart node has not started.");

    internal CartOptions Options => _options;

    internal CartArchives Archives => _archives;

    internal CartStore Carts => _carts;

    internal IKeyspace Store => _store;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    /// <summary>Opens the volume (creating it and its id the first time; mode 0700) and starts the loops.</summary>
    /// <exception cref="IOException">The directory cannot be used.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _volume = CartVolume.Open(_directory);
        try
        {
            await SweepAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CairnException or IOException or UnauthorizedAccessException)
        {
            LogSweepFailed(_logger, _directory, e.Message);
        }

        // A store that refuses writes (a full disk, an unreachable backend) does not stop the server from starting: the
        // node then takes its lease and publishes its volume in the background, once the store takes writes again.
        CartLease? lease = null;
        try
        {
            lease = await AcquireLeaseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CairnException e)
        {
            LogLoopFailed(_logger, e.Message);
        }

        lock (_gate)
        {
            _lease = lease;
        }

        LogStarted(_logger, _nodeId, _volume.Id, _directory);
        _main = Task.Run(() => RunAsync(lease, _stop.Token), CancellationToken.None);
    }

    /// <summary>A lease (none when standalone, whose claims of a previous run are released first) with the volume
    /// published under it.</summary>
    private async Task<CartLease> AcquireLeaseAsync(CancellationToken cancellationToken)
    {
        if (_options.Standalone)
        {
            await ReleaseOwnClaimsAsync(cancellationToken).ConfigureAwait(false);
            return CartLease.None(_store, _time);
        }

        var lease = await CartLease.StartAsync(_store, _options.ClaimTtl, _time, cancellationToken).ConfigureAwait(false);
        try
        {
            await PublishAsync(lease.Id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return lease;
    }

    /// <summary>Publishes where this node serves its carts from (the addresses another node proxies downloads to).</summary>
    public async Task PublishAddressesAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        CartLease? lease;
        lock (_gate)
        {
            _addresses = [.. addresses];
            lease = _lease;
        }

        if (lease is not null)
        {
            await PublishAsync(lease.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where <paramref name="cart"/>'s files are: here, on another node (its addresses), or nowhere reachable
    /// (its node is not running: null).</summary>
    public async Task<CartLocation?> LocateAsync(CartDto cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        var found = await _carts.ReadCartAsync(CartPaths.CheckUid(cart.Uid), cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.Record.CartId != cart.CartId || f.Record.Volume is not { } volume)
        {
            return null;
        }

        if (volume == Volume.Id)
        {
            return new CartLocation(true, _nodeId, []);
        }

        var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(CartKeys.Volume(volume))), cancellationToken).ConfigureAwait(false);
        if (read.Kvs.Count == 0)
        {
            return null;
        }

        var record = CartJson.Decode<CartVolumeRecord>(read.Kvs[0]);
        return new CartLocation(false, record.NodeId, record.Addresses);
    }

    /// <summary>Stops the loops (claims are released: another node may take over at once) and withdraws the volume record.</summary>
    public async ValueTask DisposeAsync()
    {
        if (await StopAsync().ConfigureAwait(false) is { } lease)
        {
            await lease.DisposeAsync().ConfigureAwait(false); // its claims and the volume record go with it
        }

        _stop.Dispose();
    }

    /// <summary>Stops everything as a crash would: nothing is released; the claims and the volume record expire with the
    /// lease after <see cref="CartOptions.ClaimTtl"/>.</summary>
    internal async Task CrashAsync()
    {
        if (await StopAsync().ConfigureAwait(false) is { } lease)
        {
            await lease.AbandonAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the loops and jobs once (null the second time) and hands over the lease they ran under, if any.</summary>
    private async Task<CartLease?> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return null;
        }

        await StopLoopsAsync().ConfigureAwait(false);
        lock (_gate)
        {
            var lease = _lease;
            _lease = null;
            return lease;
        }
    }

    private async Task StopLoopsAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _main.ConfigureAwait(false);
        await Task.WhenAll(_jobs.Values.Select(j => j.Completion)).ConfigureAwait(false);
    }

    /// <summary>Sessions, one per lease: the claim loop and the tombstone loop run under one; when the lease is lost,
    /// every job of this node stops (its claims are gone), and a new lease is taken and the volume published again.</summary>
    private async Task RunAsync(CartLease? first, CancellationToken stop)
    {
        var retry = new RetryDelay(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
        var lease = first ?? await NextLeaseAsync(retry, stop).ConfigureAwait(false);
        while (lease is not null)
        {
            using (var session = CancellationTokenSource.CreateLinkedTokenSource(stop, lease.Lost))
            {
                try
                {
                    await Task.WhenAll(ClaimLoopAsync(lease, session.Token), GoneLoopAsync(session.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (session.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    LogLoopFailed(_logger, e.Message);
                }

                await session.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(_jobs.Values.Select(j => j.Completion)).ConfigureAwait(false);
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            LogLeaseLost(_logger, _nodeId, lease.Id);
            await lease.DisposeAsync().ConfigureAwait(false);
            lease = await NextLeaseAsync(retry, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Takes a new lease (and publishes the volume under it), retrying with backoff while the store refuses;
    /// null once stopped.</summary>
    private async Task<CartLease?> NextLeaseAsync(RetryDelay retry, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(retry.Next(), _time, stop).ConfigureAwait(false);
                var lease = await AcquireLeaseAsync(stop).ConfigureAwait(false);
                retry.Reset();
                lock (_gate)
                {
                    _lease = lease;
                }

                return lease;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return null;
            }
            catch (CairnException e)
            {
                LogLoopFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>A standalone node's claims are not leased: those in the store at start were left by its own previous
    /// run, which is gone, so they are released for the claim loop to take again.</summary>
    private async Task ReleaseOwnClaimsAsync(CancellationToken cancellationToken)
    {
        var claims = KeyRange.Prefix(CartKeys.ClaimsPrefix);
        var found = await _store.RangeAsync(new RangeRequest(claims) { CountOnly = true }, cancellationToken).ConfigureAwait(false);
        if (found.Count > 0)
        {
            await _store.DeleteAsync(new DeleteRequest(claims), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishAsync(long leaseId, CancellationToken cancellationToken)
    {
        if (_options.Standalone)
        {
            // Alone, no other node looks for this volume: nothing is published.
            return;
        }

        List<string> addresses;
        lock (_gate)
        {
            addresses = [.. _addresses];
        }

        var record = new CartVolumeRecord { VolumeId = Volume.Id, NodeId = _nodeId, Addresses = addresses, Path = _directory };
        await _store.PutAsync(new PutRequest(CartKeys.Volume(Volume.Id), CartJson.Encode(record)) { Lease = leaseId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wakes the claim loop (a job ended, or something changed).</summary>
    internal void Wake() => _wake.Writer.TryWrite(true);

    internal void Finished(CartJob job)
    {
        _jobs.TryRemove(new KeyValuePair<string, CartJob>(job.CartId, job));
        Wake();
    }

    /// <summary>Free bytes of the volume.</summary>
    internal long FreeBytes() => FreeSpaceProbe?.Invoke() ?? DiskSpace.Of(_directory).Free;

    /// <summary>Reserves <paramref name="bytes"/> of the volume if they fit above <see cref="CartOptions.MinFreeBytes"/>
    /// and the other reservations; null when they do not.</summary>
    internal Reservation? TryReserve(long bytes)
    {
        lock (_gate)
        {
            var available = FreeBytes() - _options.MinFreeBytes - _reserved;
            if (bytes > available)
            {
                return null;
            }

            _reserved += bytes;
            return new Reservation(this, bytes);
        }
    }

    /// <summary>Room taken on the volume for a file being copied.</summary>
    internal sealed class Reservation(CartNode node, long bytes) : IDisposable
    {
        private long _bytes = bytes;

        public void Dispose()
        {
            var bytes = Interlocked.Exchange(ref _bytes, 0);
            lock (node._gate)
            {
                node._reserved -= bytes;
            }
        }
    }

    internal static string Show(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0.###} s" : span.ToString();

    internal static string Describe(Exception e) => e switch
    {
        JsonException => "a malformed answer: " + e.Message,
        _ => e.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart node {Node} keeps volume {Volume} at {Directory}")]
    private static partial void LogStarted(ILogger logger, string node, string volume, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cart lease {Lease} of node {Node} is lost; its carts are left to be claimed again")]
    private static partial void LogLeaseLost(ILogger logger, string node, long lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cart loop failed: {Reason}; starting again")]
    private static partial void LogLoopFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep the cart volume {Directory}: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string directory, string reason);
}

/// <summary>Where a cart's files are kept.</summary>
/// <param name="Local">On this node.</param>
/// <param name="NodeId">The node keeping them.</param>
/// <param name="Addresses">That node's addresses (empty when local).</param>
public sealed record CartLocation(bool Local, string NodeId, IReadOnlyList<string> Addresses);

/// <summary>A download of a cart's tar: a seekable stream of exactly <see cref="Length"/> bytes, with the validators a
/// resumed download (<c>Range</c>, <c>If-Range</c>) needs. Disposing it ends the cart's use.</summary>
public sealed class CartDownload(Stream content, long length, string fileName, string eTag, DateTimeOffset lastModified, Func<ValueTask> release) : IAsyncDisposable
{
    private Func<ValueTask>? _release = release;

    /// <summary>The tar.</summary>
    public Stream Content { get; } = content;

    /// <summary>Its length.</summary>
    public long Length { get; } = length;

    /// <summary>The name to offer (<c>Content-Disposition</c>).</summary>
    public string FileName { get; } = fileName;

    /// <summary>A strong ETag, quoted: the same cart instance under the same name gives the same bytes.</summary>
    public string ETag { get; } = eTag;

    /// <summary>When the cart became ready.</summary>
    public DateTimeOffset LastModified { get; } = lastModified;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _release, null) is { } release)
        {
            await release().ConfigureAwait(false);
        }
    }
}

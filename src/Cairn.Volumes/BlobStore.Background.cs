using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Volumes;

public sealed partial class BlobStore
{
    private readonly object _gate = new();
    private long _recordLease;
    private readonly Dictionary<string, bool> _synch = [];
    private IReadOnlyList<string>? _addresses;
    private readonly Dictionary<string, VolumeRecord> _published = [];

    /// <summary>Publishes the addresses other nodes fetch this node's files from (known once the server has bound
    /// its listeners, after <see cref="StartAsync"/>).</summary>
    public Task PublishAddressesAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _addresses = addresses;
        }

        return PublishNowAsync(cancellationToken);
    }

    // The store refusing now (unreachable, out of space) is not this caller's failure: the report loop publishes later.
    private async Task PublishNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(cancellationToken, force: true).ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            LogReportFailed(_logger, ex.Message);
        }
    }

    /// <summary>The volume records of every node (a node gone for longer than the record TTL is absent).</summary>
    public async Task<IReadOnlyList<VolumeRecord>> VolumesAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<VolumeRecord>();
        if (!_options.PublishRecords)
        {
            await PublishAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                records.AddRange(_published.Values);
            }

            return records;
        }

        var range = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(BlobKeys.VolumesPrefix)), cancellationToken).ConfigureAwait(false);
        foreach (var kv in range.Kvs)
        {
            try
            {
                if (JsonSerializer.Deserialize(kv.Value.Span, VolumesJson.Default.VolumeRecord) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException)
            {
                // Not a record Cairn wrote; ignore it.
            }
        }

        return records;
    }

    /// <summary>Opens the whole body of file <paramref name="blobId"/> in volume <paramref name="volumeId"/>, on this
    /// node or fetched from the node holding it (snapshots read files by id, not by key, since keys move on meanwhile).</summary>
    /// <exception cref="UnavailableException">The volume is not local and its node cannot be reached.</exception>
    /// <exception cref="NotFoundException">The file is not there.</exception>
    public async Task<Stream> OpenBodyAsync(string volumeId, string blobId, long size, CancellationToken cancellationToken = default)
    {
        if (_volumes.Any(v => v.Id == volumeId))
        {
            return await OpenLocalAsync(volumeId, blobId, 0, size, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"File {blobId} is missing from volume {volumeId}.");
        }

        var info = new BlobInfo { Key = blobId, Size = size, Sha256 = "", Created = default, VolumeId = volumeId, BlobId = blobId, NodeId = "?" };
        return await OpenRemoteAsync(info, 0, size, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<Stream> OpenRemoteAsync(BlobInfo info, long offset, long length, CancellationToken cancellationToken)
    {
        var range = await _store.RangeAsync(new RangeRequest(KeyRange.Single(BlobKeys.Volume(info.VolumeId!))), cancellationToken).ConfigureAwait(false);
        VolumeRecord? record = null;
        if (range.Kvs.Count == 1)
        {
            try
            {
                record = JsonSerializer.Deserialize(range.Kvs[0].Value.Span, VolumesJson.Default.VolumeRecord);
            }
            catch (JsonException)
            {
            }
        }

        if (record is null)
        {
            throw new UnavailableException($"Blob '{info.Key}' is on volume {info.VolumeId} of node {info.NodeId}, which is not registered now (the node is down or gone).");
        }

        if (_remote is null)
        {
            throw new UnavailableException($"Blob '{info.Key}' is on node {record.NodeId}, and this node cannot fetch from others.");
        }

        return await _remote.OpenAsync(record, info.BlobId!, offset, length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every node from removing files until the returned handle is disposed (a snapshot in progress).
    /// The pin hangs on a lease kept alive while it is held, so a crashed holder cannot block removals for longer
    /// than the lease's TTL.</summary>
    public async Task<IAsyncDisposable> PinFilesAsync(CancellationToken cancellationToken = default)
    {
        var lease = await _store.GrantLeaseAsync(30, cancellationToken: cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(new PutRequest(BlobKeys.PinsPrefix + BlobNames.NewId(), System.Text.Encoding.UTF8.GetBytes(_options.NodeId)) { Lease = lease.Id }, cancellationToken).ConfigureAwait(false);
        return new Pin(this, lease.Id);
    }

    private sealed class Pin : IAsyncDisposable
    {
        private readonly BlobStore _owner;
        private readonly long _lease;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _keepAlive;

        public Pin(BlobStore owner, long lease)
        {
            _owner = owner;
            _lease = lease;
            _keepAlive = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(10), _owner.Time, _stop.Token).ConfigureAwait(false);
                        await _owner._store.KeepAliveLeaseAsync(_lease, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    catch (CairnException)
                    {
                        // Retried at the next tick; if the lease is lost, removals resume (and the snapshot may see a file go).
                    }
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _keepAlive.ConfigureAwait(false);
            _stop.Dispose();
            try
            {
                await _owner._store.RevokeLeaseAsync(_lease).ConfigureAwait(false);
            }
            catch (CairnException)
            {
            }
        }
    }

    private async Task<bool> PinnedAsync(CancellationToken cancellationToken)
    {
        var pins = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(BlobKeys.PinsPrefix)) { CountOnly = true }, cancellationToken).ConfigureAwait(false);
        return pins.Count > 0;
    }

    /// <summary>Removes a file no key refers to any more, unless a snapshot pins files (then reconciliation does it later).</summary>
    private async Task RemoveFileAsync(LocalVolume volume, string blobId, CancellationToken cancellationToken)
    {
        try
        {
            if (await PinnedAsync(cancellationToken).ConfigureAwait(false))
            {
                SetSynch(volume, false);
                return;
            }
        }
        catch (CairnException)
        {
            SetSynch(volume, false);
            return;
        }

        var path = volume.BlobPath(blobId);
        DeleteQuietly(path);
        if (File.Exists(path))
        {
            SetSynch(volume, false);
        }
    }

    private void SetSynch(LocalVolume volume, bool value)
    {
        lock (_gate)
        {
            _synch[volume.Id] = value;
        }
    }

    /// <summary>Compares this node's files with the keyspace now: removes files whose keys are gone and orphans older
    /// than the grace period. Also runs every <see cref="VolumeOptions.ReconcileInterval"/>.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken = default)
    {
        foreach (var volume in _volumes)
        {
            await ReconcileAsync(volume, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>The revision the comparison was made at.</returns>
    private async Task<long> ReconcileAsync(LocalVolume volume, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var prefix = BlobKeys.RefsOf(volume.Id);
        var from = prefix;
        long revision = 0;
        while (true)
        {
            var page = await _store.RangeAsync(
                new RangeRequest(KeyRange.Between(from, Keys.PrefixEnd(prefix)!)) { KeysOnly = true, Limit = 1000, Revision = revision },
                cancellationToken).ConfigureAwait(false);
            revision = page.Revision;
            foreach (var kv in page.Kvs)
            {
                referenced.Add(kv.Key[prefix.Length..]);
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            from = page.Kvs[^1].Key + "\0";
        }

        var pinned = await PinnedAsync(cancellationToken).ConfigureAwait(false);
        var pending = false;
        var removed = 0;
        foreach (var (blobId, written) in volume.Files())
        {
            if (referenced.Contains(blobId))
            {
                continue;
            }

            if (pinned || now - written < _options.OrphanGrace)
            {
                pending = true;
                continue;
            }

            DeleteQuietly(volume.BlobPath(blobId));
            removed++;
        }

        foreach (var tmp in Directory.EnumerateFiles(volume.TmpDirectory))
        {
            if (now - File.GetLastWriteTimeUtc(tmp) >= _options.OrphanGrace)
            {
                DeleteQuietly(tmp);
            }
        }

        if (removed > 0)
        {
            LogRemovedOrphans(_logger, removed, volume.Id);
        }

        SetSynch(volume, !pending);
        return revision;
    }

    /// <summary>Per volume: reconcile, then follow the refs of the volume and remove each file whose ref is deleted;
    /// reconcile again every interval and after any interruption of the watch.</summary>
    private async Task ReapLoopAsync(LocalVolume volume, CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var revision = await ReconcileAsync(volume, stop).ConfigureAwait(false);
                using var interval = CancellationTokenSource.CreateLinkedTokenSource(stop);
                interval.CancelAfter(_options.ReconcileInterval);
                try
                {
                    var request = new WatchRequest(KeyRange.Prefix(BlobKeys.RefsOf(volume.Id))) { StartRevision = revision + 1 };
                    await foreach (var response in _store.WatchAsync(request, interval.Token).ConfigureAwait(false))
                    {
                        foreach (var change in response.Events)
                        {
                            if (change.Type == WatchEventType.Delete)
                            {
                                var blobId = change.Kv.Key[BlobKeys.RefsOf(volume.Id).Length..];
                                if (BlobNames.IsId(blobId))
                                {
                                    await RemoveFileAsync(volume, blobId, stop).ConfigureAwait(false);
                                }
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    // The interval is up: reconcile again.
                }

                backoff = TimeSpan.FromMilliseconds(200);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is CairnException or IOException or UnauthorizedAccessException)
            {
                SetSynch(volume, false);
                LogReapFailed(_logger, volume.Id, ex.Message);
                try
                {
                    await Task.Delay(backoff, Time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        if (!_options.PublishRecords)
        {
            await PublishAsync(cancellationToken, force: true).ConfigureAwait(false);
            return;
        }

        var lease = await _store.GrantLeaseAsync(_options.RecordTtlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _recordLease = lease.Id;
        }

        await PublishAsync(cancellationToken, force: true).ConfigureAwait(false);
    }

    /// <summary>Writes the volume records. Unless <paramref name="force"/>d, a record is rewritten only when a figure
    /// a reader uses changed (<see cref="VolumeFigures.Changed"/>), never merely because time passed: the records'
    /// lease, renewed without a write, is what says the node is alive, so an idle node does not write at all.</summary>
    private async Task PublishAsync(CancellationToken cancellationToken, bool force = false)
    {
        long lease;
        IReadOnlyList<string> addresses;
        lock (_gate)
        {
            lease = _recordLease;
            addresses = _addresses ?? _options.Addresses;
        }

        if (_options.PublishRecords && lease == 0)
        {
            // Not registered yet (the store refused at start): the report loop registers, then publishes.
            return;
        }

        var load = ReadLoad();
        foreach (var volume in _volumes)
        {
            long free = 0, total = 0;
            try
            {
                (free, total) = SpaceProbe(volume.Directory);
            }
            catch (IOException)
            {
            }

            bool synch;
            lock (_gate)
            {
                synch = _synch.GetValueOrDefault(volume.Id, true);
            }

            var record = new VolumeRecord
            {
                VolumeId = volume.Id,
                NodeId = _options.NodeId,
                Path = volume.Directory,
                Addresses = addresses,
                TotalBytes = total,
                FreeBytes = free,
                UsedPercent = total <= 0 ? 0 : (int)Math.Round(100.0 * (total - free) / total),
                Load = load,
                Synch = synch,
                UpdatedAt = Time.GetUtcNow(),
            };
            VolumeRecord? last;
            lock (_gate)
            {
                last = _published.GetValueOrDefault(volume.Id);
            }

            if (!_options.PublishRecords)
            {
                lock (_gate)
                {
                    _published[volume.Id] = record;
                }

                continue;
            }

            if (!force && last is not null && !VolumeFigures.Changed(last, record, Environment.ProcessorCount))
            {
                continue;
            }

            await _store.PutAsync(
                new PutRequest(BlobKeys.Volume(volume.Id), JsonSerializer.SerializeToUtf8Bytes(record, VolumesJson.Default.VolumeRecord)) { Lease = lease },
                cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _published[volume.Id] = record;
            }
        }
    }

    /// <summary>Keeps the records' lease alive and looks at the figures every <see cref="VolumeOptions.ReportInterval"/>
    /// (rewriting a record only when one changed); a lost lease (the store was unreachable for longer than its TTL) is
    /// granted again, with the records.</summary>
    private async Task ReportLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // The lease is renewed at a third of its TTL whatever the report interval, so that one late tick
                // does not lose it.
                var tick = TimeSpan.FromSeconds(Math.Max(0.5, _options.RecordTtlSeconds / 3.0));
                await Task.Delay(_options.ReportInterval < tick ? _options.ReportInterval : tick, Time, stop).ConfigureAwait(false);
                long lease;
                lock (_gate)
                {
                    lease = _recordLease;
                }

                if (!_options.PublishRecords)
                {
                    continue;
                }

                try
                {
                    if (lease == 0)
                    {
                        // Never registered (the store refused at start): register now.
                        await RegisterAsync(stop).ConfigureAwait(false);
                        continue;
                    }

                    await _store.KeepAliveLeaseAsync(lease, stop).ConfigureAwait(false);
                    await PublishAsync(stop).ConfigureAwait(false);
                }
                catch (LeaseNotFoundException)
                {
                    await RegisterAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (CairnException ex)
            {
                LogReportFailed(_logger, ex.Message);
            }
        }
    }

    /// <summary>Publishes the records now (tests, and after start when the addresses became known).</summary>
    internal Task RefreshRecordsAsync(CancellationToken cancellationToken = default) => PublishAsync(cancellationToken, force: true);

    private async Task WithdrawAsync()
    {
        long lease;
        lock (_gate)
        {
            lease = _recordLease;
        }

        if (lease == 0)
        {
            return;
        }

        try
        {
            await _store.RevokeLeaseAsync(lease).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CairnException or ObjectDisposedException)
        {
            // The store is closing or unreachable: the records expire with their lease.
        }
    }

    private static double ReadLoad()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Volumes: removed {Count} orphaned file(s) from volume {VolumeId}")]
    private static partial void LogRemovedOrphans(ILogger logger, int count, string volumeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Volumes: reconciling volume {VolumeId} failed, retrying: {Reason}")]
    private static partial void LogReapFailed(ILogger logger, string volumeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Volumes: refreshing the volume records failed, retrying: {Reason}")]
    private static partial void LogReportFailed(ILogger logger, string reason);
}

using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;

namespace Cairn.Server.Snapshots;

/// <summary>Writes a consistent snapshot (see <see cref="SnapshotFormat"/>) of a running server: every key read at one
/// revision R, and every file the keys at R refer to (<see cref="ISnapshotFileSource"/>: the blob bodies), read by id
/// while a pin stops all nodes from removing files. Memory stays flat: keys are paged to a temporary file, bodies are
/// streamed.</summary>
internal static class SnapshotWriter
{
    private const int Page = 1000;

    public static async Task WriteAsync(Stream destination, IKeyspace store, IReadOnlyList<ISnapshotFileSource> sources, string nodeId, TimeProvider time, CancellationToken cancellationToken)
    {
        var pins = new List<IAsyncDisposable>();
        try
        {
            foreach (var source in sources)
            {
                pins.Add(await source.PinAsync(cancellationToken).ConfigureAwait(false));
            }

            await WritePinnedAsync(destination, store, sources, nodeId, time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var pin in pins)
            {
                await pin.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task WritePinnedAsync(Stream destination, IKeyspace store, IReadOnlyList<ISnapshotFileSource> sources, string nodeId, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = await store.StatusAsync(cancellationToken).ConfigureAwait(false);
        var revision = status.Revision;
        var keysFile = Path.Combine(Path.GetTempPath(), "cairn-snapshot-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var files = new List<(ISnapshotFileSource Source, SnapshotFile File)>();
            long keys = 0;
            var leases = new Dictionary<long, long?>();
            await using (var lines = new FileStream(keysFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
            {
                var from = "";
                while (true)
                {
                    var range = await store.RangeAsync(new RangeRequest(KeyRange.FromKey(from)) { Revision = revision, Limit = Page }, cancellationToken).ConfigureAwait(false);
                    foreach (var kv in range.Kvs)
                    {
                        if (SnapshotFormat.IsEphemeral(kv.Key))
                        {
                            continue;
                        }

                        long? ttl = null;
                        if (kv.Lease != 0)
                        {
                            if (!leases.TryGetValue(kv.Lease, out ttl))
                            {
                                var info = await store.LeaseTimeToLiveAsync(kv.Lease, cancellationToken: cancellationToken).ConfigureAwait(false);
                                ttl = info is { } lease ? Math.Max(Leases.MinTtlSeconds, lease.RemainingTtlSeconds) : null;
                                leases[kv.Lease] = ttl;
                            }

                            if (ttl is null)
                            {
                                continue; // Its lease ran out after R: the key is gone.
                            }
                        }

                        foreach (var source in sources)
                        {
                            if (source.FileOf(kv) is { } file)
                            {
                                files.Add((source, file));
                            }
                        }

                        await JsonSerializer.SerializeAsync(lines, new SnapshotLine { K = kv.Key, V = kv.Value.ToArray(), C = kv.CreateRevision, M = kv.ModRevision, Ver = kv.Version, Ttl = ttl }, cancellationToken: cancellationToken).ConfigureAwait(false);
                        lines.WriteByte((byte)'\n');
                        keys++;
                    }

                    if (!range.More || range.Kvs.Count == 0)
                    {
                        break;
                    }

                    from = range.Kvs[^1].Key + "\0";
                }

                await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            var sums = new StringBuilder();
            await using var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new SnapshotManifest
            {
                Created = time.GetUtcNow(),
                Node = nodeId,
                Backend = status.Backend,
                Revision = revision,
                Keys = keys,
                Files = files.Count,
            });
            await AddAsync(tar, SnapshotFormat.Manifest, new MemoryStream(manifest), manifest.Length, sums, cancellationToken).ConfigureAwait(false);
            await using (var lines = new FileStream(keysFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
            {
                await AddAsync(tar, SnapshotFormat.Keyspace, lines, lines.Length, sums, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (source, file) in files.DistinctBy(f => f.Source.EntryPrefix + f.File.Id))
            {
                await using var body = await source.OpenAsync(file, cancellationToken).ConfigureAwait(false);
                await AddAsync(tar, source.EntryPrefix + file.Id, body, file.Size, sums, cancellationToken).ConfigureAwait(false);
            }

            var sumBytes = Encoding.UTF8.GetBytes(sums.ToString());
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, SnapshotFormat.Sums) { DataStream = new MemoryStream(sumBytes) }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(keysFile);
        }
    }

    private static async Task AddAsync(TarWriter tar, string name, Stream content, long length, StringBuilder sums, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var data = new CountedStream(content, length, hash);
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data }, cancellationToken).ConfigureAwait(false);
        if (data.BytesRead != length)
        {
            throw new UnavailableException($"Snapshot entry {name} ended after {data.BytesRead} of {length} bytes.");
        }

        sums.Append(SnapshotFormat.Hex(hash)).Append("  ").Append(name).Append('\n');
    }

    /// <summary>A body of known length, hashed as the tar writer reads it. It says it can seek only so that the tar
    /// writer takes its length up front; it is read once, from the start.</summary>
    private sealed class CountedStream(Stream inner, long length, IncrementalHash hash) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => BytesRead;
            set
            {
                if (value != BytesRead)
                {
                    throw new NotSupportedException();
                }
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var max = (int)Math.Min(buffer.Length, length - BytesRead);
            if (max == 0)
            {
                return 0;
            }

            var n = await inner.ReadAsync(buffer[..max], cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer.Span[..n]);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) =>
            origin == SeekOrigin.Begin && offset == BytesRead ? BytesRead : throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Formats.Tar;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Storage.Import;
using Cairn.Storage.Sqlite;

namespace Cairn.Server.Snapshots;

/// <summary>The figures of a restore.</summary>
/// <param name="Revision">The revision the snapshot was taken at.</param>
/// <param name="Keys">Keys restored.</param>
/// <param name="Files">Volume files restored.</param>
public sealed record SnapshotRestoreResult(long Revision, long Keys, long Files)
{
    /// <summary>Something the user should know about the restore (a format 1 snapshot's keys were renumbered); null when
    /// there is nothing to say.</summary>
    public string? Warning { get; init; }
}

/// <summary>
/// Restores a snapshot into an empty data directory, offline: first the whole file is checked (structure, names,
/// every digest, nothing missing or extra), and only then is anything written — into a staging directory beside the
/// target, renamed into place at the end. So a truncated or corrupt snapshot changes nothing. Keys keep their create
/// revision, mod revision (their ETag) and version, and the store continues from the snapshot's revision, as after
/// <c>etcdctl snapshot restore</c>; history before it is gone (the compaction point is the snapshot's revision). A
/// format 1 snapshot (no revisions in it) is restored as puts, numbered from revision 2, with a warning.
/// </summary>
public static class SnapshotRestore
{
    /// <exception cref="InvalidArgumentException">The snapshot is damaged, or <paramref name="dataDir"/> is not empty.</exception>
    public static Task<SnapshotRestoreResult> RestoreAsync(string snapshotFile, string dataDir, CancellationToken cancellationToken = default) =>
        RestoreAsync(snapshotFile, dataDir, "sqlite", cancellationToken);

    /// <summary>Restores into the embedded store <paramref name="backend"/> names: <c>sqlite</c> or <c>log</c>.</summary>
    /// <exception cref="InvalidArgumentException">The snapshot is damaged, <paramref name="dataDir"/> is not empty, or
    /// <paramref name="backend"/> is not an embedded store.</exception>
    public static async Task<SnapshotRestoreResult> RestoreAsync(string snapshotFile, string dataDir, string backend, CancellationToken cancellationToken = default)
    {
        backend = (backend ?? "").Trim().ToLowerInvariant();
        if (backend is not ("sqlite" or "log"))
        {
            throw new InvalidArgumentException($"A snapshot restores into an embedded store: --backend sqlite or log, not '{backend}' (etcd and ZooKeeper keep their own backups).");
        }

        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir));
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new InvalidArgumentException($"'{dataDir}' is not empty; restore into a new or empty data directory.");
        }

        if (File.Exists(target))
        {
            throw new InvalidArgumentException($"'{dataDir}' is a file; restore into a new or empty data directory.");
        }

        if (!File.Exists(snapshotFile))
        {
            throw new InvalidArgumentException($"Snapshot '{snapshotFile}' does not exist.");
        }

        var manifest = await VerifyAsync(snapshotFile, cancellationToken).ConfigureAwait(false);
        var parent = Path.GetDirectoryName(target) ?? ".";
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, "." + Path.GetFileName(target) + ".restore-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (keys, files) = manifest.Format >= 2
                ? await ImportAsync(snapshotFile, staging, backend, manifest.Revision, cancellationToken).ConfigureAwait(false)
                : await WriteAsync(snapshotFile, staging, backend, cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            Directory.Move(staging, target);
            return new SnapshotRestoreResult(manifest.Revision, keys, files)
            {
                Warning = manifest.Format >= 2 ? null
                    : $"snapshot format {manifest.Format} (from an older cairn) holds no revisions: every key was given a new revision (from 2; the snapshot was at {manifest.Revision}), so ETags and revisions from before the backup do not match",
            };
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Reads the whole snapshot and checks it; returns its manifest.</summary>
    /// <exception cref="InvalidArgumentException">It is truncated, corrupt, or not a Cairn snapshot.</exception>
    public static async Task<SnapshotManifestInfo> VerifyAsync(string snapshotFile, CancellationToken cancellationToken = default)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        string? sums = null;
        SnapshotManifest? manifest = null;
        var order = 0;
        try
        {
            await using var file = File.OpenRead(snapshotFile);
            await using var tar = new TarReader(file);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (sums is not null)
                {
                    throw Damaged($"an entry ('{entry.Name}') follows {SnapshotFormat.Sums}");
                }

                CheckEntry(entry, order);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var content = new MemoryStream();
                var keep = entry.Name is SnapshotFormat.Manifest or SnapshotFormat.Sums;
                var buffer = new byte[1 << 16];
                long read = 0;
                if (entry.DataStream is { } data)
                {
                    int n;
                    while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        read += n;
                        if (keep)
                        {
                            content.Write(buffer, 0, n);
                        }
                    }
                }

                if (read != entry.Length)
                {
                    throw Damaged($"entry '{entry.Name}' is cut short");
                }

                if (entry.Name == SnapshotFormat.Sums)
                {
                    sums = Encoding.UTF8.GetString(content.ToArray());
                }
                else
                {
                    if (!digests.TryAdd(entry.Name, SnapshotFormat.Hex(hash)))
                    {
                        throw Damaged($"entry '{entry.Name}' appears twice");
                    }

                    if (entry.Name == SnapshotFormat.Manifest)
                    {
                        manifest = JsonSerializer.Deserialize<SnapshotManifest>(content.ToArray());
                    }
                }

                order++;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or JsonException or ArgumentException)
        {
            throw Damaged(ex.Message);
        }

        if (sums is null)
        {
            throw Damaged($"it ends before its {SnapshotFormat.Sums} (truncated)");
        }

        var listed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in sums.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length != 2 || !listed.TryAdd(parts[1], parts[0]))
            {
                throw Damaged($"its {SnapshotFormat.Sums} is malformed");
            }
        }

        if (listed.Count != digests.Count)
        {
            throw Damaged($"its {SnapshotFormat.Sums} lists {listed.Count} entries but it holds {digests.Count}");
        }

        foreach (var (name, digest) in digests)
        {
            if (!listed.TryGetValue(name, out var expected) || !string.Equals(expected, digest, StringComparison.Ordinal))
            {
                throw Damaged($"entry '{name}' does not match its SHA-256");
            }
        }

        if (manifest is null || manifest.Format < SnapshotFormat.OldestReadable)
        {
            throw Damaged($"its {SnapshotFormat.Manifest} is missing or of an unknown format");
        }

        if (manifest.Format > SnapshotFormat.Version)
        {
            throw new InvalidArgumentException($"The snapshot is of format {manifest.Format}; this cairn reads formats up to {SnapshotFormat.Version}; use a newer cairn. Nothing was restored.");
        }

        return new SnapshotManifestInfo(manifest.Revision, manifest.Created, manifest.Node, manifest.Keys, manifest.Files) { Format = manifest.Format };
    }

    private static void CheckEntry(TarEntry entry, int order)
    {
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
        {
            throw Damaged($"entry '{entry.Name}' is not a regular file (links and devices are refused)");
        }

        var allowed = order switch
        {
            0 => entry.Name == SnapshotFormat.Manifest,
            1 => entry.Name == SnapshotFormat.Keyspace,
            _ => entry.Name == SnapshotFormat.Sums || SinkOf(FileEntryChecks, entry.Name) is not null,
        };
        if (!allowed)
        {
            throw Damaged($"entry '{entry.Name}' is not expected there (a snapshot holds {SnapshotFormat.Manifest}, {SnapshotFormat.Keyspace}, {string.Join(", ", FileEntryChecks.Select(c => c.EntryPrefix + "<id>"))}, {SnapshotFormat.Sums}, in that order)");
        }
    }

    // What each module's files look like in a snapshot, to check entry names before anything is written.
    private static readonly IReadOnlyList<ISnapshotFileSink> FileEntryChecks =
        [.. Hosting.ModuleCatalog.Create().Select(m => m.OpenSnapshotSink(Path.Combine(Path.GetTempPath(), "cairn-never-written"))).OfType<ISnapshotFileSink>()];

    // The sink whose files are named like `name` (prefix and a valid id), with the id.
    private static (ISnapshotFileSink Sink, string Id)? SinkOf(IReadOnlyList<ISnapshotFileSink> sinks, string name)
    {
        foreach (var sink in sinks)
        {
            if (name.StartsWith(sink.EntryPrefix, StringComparison.Ordinal) && sink.IsId(name[sink.EntryPrefix.Length..]))
            {
                return (sink, name[sink.EntryPrefix.Length..]);
            }
        }

        return null;
    }

    // Format 2: the keys go in as rows with their own revisions (each store's import), then the files.
    private static async Task<(long Keys, long Files)> ImportAsync(string snapshotFile, string staging, string backend, long revision, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var sinks = Hosting.ModuleCatalog.Create().Select(m => m.OpenSnapshotSink(staging)).OfType<ISnapshotFileSink>().ToList();

        // A first pass over the keys for their leases: a store writes the leases with the keys, and a sink needs a key's
        // lease id as it sees the key.
        var leases = await LeasesAsync(snapshotFile, cancellationToken).ConfigureAwait(false);
        long keys = 0, files = 0;
        await using var file = File.OpenRead(snapshotFile);
        await using var tar = new TarReader(file);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.Name == SnapshotFormat.Keyspace)
            {
                var import = new KeyspaceImport
                {
                    Revision = revision,
                    Leases = [.. leases.Values],
                    Keys = ImportedKeysAsync(entry.DataStream!, leases, sinks, cancellationToken),
                };
                try
                {
                    keys = backend == "log"
                        ? await Cairn.Storage.Log.LogKeyspace.ImportAsync(new Cairn.Storage.Log.LogKeyspaceOptions { Directory = Path.Combine(staging, "log") }, import, cancellationToken: cancellationToken).ConfigureAwait(false)
                        : await SqliteKeyspace.ImportAsync(new SqliteKeyspaceOptions { Path = Path.Combine(staging, "cairn.db") }, import, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidArgumentException ex) when (!ex.Message.EndsWith(NothingRestored, StringComparison.Ordinal))
                {
                    throw Damaged(ex.Message.TrimEnd('.'));
                }
            }
            else if (SinkOf(sinks, entry.Name) is var (sink, id))
            {
                await sink.WriteFileAsync(id, entry.DataStream!, cancellationToken).ConfigureAwait(false);
                files++;
            }
        }

        var missing = sinks.Sum(s => s.Missing);
        if (missing > 0)
        {
            throw Damaged($"{missing} file(s) the keys refer to are missing");
        }

        return (keys, files);
    }

    // One lease per TTL left at the snapshot (as format 1's restore grants them), under a new random id.
    private static async Task<Dictionary<long, ImportedLease>> LeasesAsync(string snapshotFile, CancellationToken cancellationToken)
    {
        var leases = new Dictionary<long, ImportedLease>();
        var ids = new HashSet<long>();
        await using var file = File.OpenRead(snapshotFile);
        await using var tar = new TarReader(file);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.Name != SnapshotFormat.Keyspace)
            {
                continue;
            }

            using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
            {
                if (ParseLine(text).Ttl is { } ttl && !leases.ContainsKey(ttl))
                {
                    long id;
                    do
                    {
                        // Random, below 2^53, as a store grants them (see SqliteKeyspace.GrantLeaseAsync).
                        id = Random.Shared.NextInt64(1, 1L << 53);
                    }
                    while (!ids.Add(id));
                    leases[ttl] = new ImportedLease(id, Math.Clamp(ttl, Leases.MinTtlSeconds, Leases.MaxTtlSeconds));
                }
            }

            break;
        }

        return leases;
    }

    // The keys of keyspace.jsonl as they go into the new store, with what the sinks add (their refs share the
    // revision of the key they come with).
    private static async IAsyncEnumerable<KeyValue> ImportedKeysAsync(Stream lines, Dictionary<long, ImportedLease> leases, List<ISnapshotFileSink> sinks, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(lines, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            var line = ParseLine(text);
            if (line is not { C: { } create, M: { } mod, Ver: { } version })
            {
                throw Damaged($"key '{line.K}' has no revisions (\"c\", \"m\", \"ver\"), which a format 2 snapshot gives every key");
            }

            var lease = line.Ttl is { } ttl ? leases[ttl].Id : 0;
            var value = line.V;
            var extra = new List<PutRequest>();
            foreach (var sink in sinks)
            {
                (value, var added) = sink.Restore(line.K, value, lease);
                extra.AddRange(added);
            }

            yield return new KeyValue(line.K, value, create, mod, version, lease);
            foreach (var put in extra)
            {
                yield return new KeyValue(put.Key, put.Value, mod, mod, 1, put.Lease);
            }
        }
    }

    private static SnapshotLine ParseLine(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<SnapshotLine>(text) ?? throw Damaged("an empty key line");
        }
        catch (JsonException ex)
        {
            throw Damaged($"a key line is not valid JSON ({ex.Message})");
        }
    }

    // Format 1: the keys are put anew (they carry no revisions), then the files.
    private static async Task<(long Keys, long Files)> WriteAsync(string snapshotFile, string staging, string backend, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var sinks = Hosting.ModuleCatalog.Create().Select(m => m.OpenSnapshotSink(staging)).OfType<ISnapshotFileSink>().ToList();
        await using var store = backend == "log"
            ? await Cairn.Storage.Log.LogKeyspace.OpenAsync(new Cairn.Storage.Log.LogKeyspaceOptions { Directory = Path.Combine(staging, "log") }, cancellationToken: cancellationToken).ConfigureAwait(false)
            : (IKeyspace)await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(staging, "cairn.db") }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var leases = new Dictionary<long, long>();
        long keys = 0, files = 0;
        await using var file = File.OpenRead(snapshotFile);
        await using var tar = new TarReader(file);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.Name == SnapshotFormat.Keyspace)
            {
                using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
                var batch = new List<KvRequest>();
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
                {
                    var line = ParseLine(text);
                    long lease = 0;
                    if (line.Ttl is { } ttl)
                    {
                        if (!leases.TryGetValue(ttl, out lease))
                        {
                            lease = (await store.GrantLeaseAsync(Math.Clamp(ttl, Leases.MinTtlSeconds, Leases.MaxTtlSeconds), cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
                            leases[ttl] = lease;
                        }
                    }

                    var value = line.V;
                    foreach (var sink in sinks)
                    {
                        (value, var extra) = sink.Restore(line.K, value, lease);
                        batch.AddRange(extra);
                    }

                    batch.Add(new PutRequest(line.K, value) { Lease = lease });
                    keys++;
                    if (batch.Count >= 100)
                    {
                        await store.TxnAsync(new TxnRequest([], batch, []), cancellationToken).ConfigureAwait(false);
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    await store.TxnAsync(new TxnRequest([], batch, []), cancellationToken).ConfigureAwait(false);
                }
            }
            else if (SinkOf(sinks, entry.Name) is var (sink, id))
            {
                await sink.WriteFileAsync(id, entry.DataStream!, cancellationToken).ConfigureAwait(false);
                files++;
            }
        }

        var missing = sinks.Sum(s => s.Missing);
        if (missing > 0)
        {
            throw Damaged($"{missing} file(s) the keys refer to are missing");
        }

        return (keys, files);
    }

    /// <summary>The error of a damaged snapshot: nothing was restored.</summary>
    internal static InvalidArgumentException Damaged(string why) => new($"The snapshot is damaged or not a Cairn snapshot: {why}.{NothingRestored}");

    private const string NothingRestored = " Nothing was restored.";
}

/// <summary>What a verified snapshot says about itself.</summary>
public sealed record SnapshotManifestInfo(long Revision, DateTimeOffset Created, string? Node, long Keys, long Files)
{
    /// <summary>Its format: 1 (keys without revisions) or 2.</summary>
    public int Format { get; init; } = SnapshotFormat.Version;
}

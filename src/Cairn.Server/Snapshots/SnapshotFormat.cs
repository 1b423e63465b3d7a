using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Cairn.Server.Hosting;
using Cairn.Server.Http;

namespace Cairn.Server.Snapshots;

/// <summary>
/// A snapshot is a tar (PAX) of, in this order:
/// <code>
/// snapshot.json        format, creation time, node, backend, the revision R it was taken at, counts
/// keyspace.jsonl       every key at R, one JSON object per line: {"k": key, "v": base64 value, "c": create revision,
///                      "m": mod revision, "ver": version, "ttl": seconds left (leased keys only)}; format 1 had no
///                      "c", "m", "ver" (its keys are renumbered on restore)
///                      (what the modules declare as belonging to running nodes is left out: node registrations, the
///                      leader key, volume records, pins and file refs; restore rebuilds the refs)
/// blobs/&lt;blobId&gt;       the files the modules carry (ISnapshotFileSource), e.g. the body of every volume file the
///                      metadata at R refers to
/// SHA256SUMS           "&lt;sha256&gt;  &lt;entry name&gt;" for every entry above, last
/// </code>
/// Restore refuses anything else: another name, a link, a missing or extra entry, a wrong digest.
/// </summary>
internal static class SnapshotFormat
{
    /// <summary>The format this build writes: 2, with each key's revisions.</summary>
    public const int Version = 2;

    /// <summary>The oldest format restore reads: 1, without revisions.</summary>
    public const int OldestReadable = 1;
    public const string Manifest = "snapshot.json";
    public const string Keyspace = "keyspace.jsonl";
    public const string Sums = "SHA256SUMS";

    /// <summary>Keys a snapshot leaves out, as every module declares them: they belong to running nodes.</summary>
    public static IReadOnlyList<string> Ephemeral { get; } = [.. Hosting.ModuleCatalog.Create().SelectMany(m => m.SnapshotExcludes).Distinct(StringComparer.Ordinal)];

    public static bool IsEphemeral(string key) => Ephemeral.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    public static string Hex(IncrementalHash hash) => Convert.ToHexStringLower(hash.GetHashAndReset());
}

internal sealed record SnapshotManifest
{
    [JsonPropertyName("format")]
    public int Format { get; init; } = SnapshotFormat.Version;

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    [JsonPropertyName("node")]
    public string? Node { get; init; }

    [JsonPropertyName("backend")]
    public string? Backend { get; init; }

    [JsonPropertyName("revision")]
    public long Revision { get; init; }

    [JsonPropertyName("keys")]
    public long Keys { get; init; }

    [JsonPropertyName("files")]
    public long Files { get; init; }
}

internal sealed record SnapshotLine
{
    [JsonPropertyName("k")]
    public required string K { get; init; }

    [JsonPropertyName("v")]
    public required byte[] V { get; init; }

    /// <summary>The key's create revision (format 2 on).</summary>
    [JsonPropertyName("c")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? C { get; init; }

    /// <summary>The key's mod revision, its ETag (format 2 on).</summary>
    [JsonPropertyName("m")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? M { get; init; }

    /// <summary>The key's version (format 2 on).</summary>
    [JsonPropertyName("ver")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Ver { get; init; }

    [JsonPropertyName("ttl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Ttl { get; init; }
}

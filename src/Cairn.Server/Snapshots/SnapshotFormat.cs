using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Cairn.Server.Snapshots;

/// <summary>
/// A snapshot is a tar (PAX) of, in this order:
/// <code>
/// snapshot.json        format, creation time, node, backend, the revision R it was taken at, counts
/// keyspace.jsonl       every key at R, one JSON object per line: {"k": key, "v": base64 value, "ttl": seconds left}
///                      (node registrations, the leader key, volume records, pins and file refs are left out: they
///                      belong to running nodes, and restore rebuilds the refs)
/// blobs/&lt;blobId&gt;       the body of every volume file the metadata at R refers to
/// SHA256SUMS           "&lt;sha256&gt;  &lt;entry name&gt;" for every entry above, last
/// </code>
/// Restore refuses anything else: another name, a link, a missing or extra entry, a wrong digest.
/// </summary>
internal static partial class SnapshotFormat
{
    public const int Version = 1;
    public const string Manifest = "snapshot.json";
    public const string Keyspace = "keyspace.jsonl";
    public const string BlobsDir = "blobs/";
    public const string Sums = "SHA256SUMS";

    /// <summary>Keys a snapshot leaves out: they belong to running nodes.</summary>
    public static readonly string[] Ephemeral =
    [
        Coordination.ClusterKeys.NodesPrefix, Coordination.ClusterKeys.Leader,
        Volumes.BlobKeys.VolumesPrefix, Volumes.BlobKeys.PinsPrefix, Volumes.BlobKeys.RefsPrefix,
    ];

    public static bool IsEphemeral(string key) => Ephemeral.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    [GeneratedRegex("^blobs/[0-9a-f]{32}$")]
    public static partial Regex BlobEntry();

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

    [JsonPropertyName("ttl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Ttl { get; init; }
}

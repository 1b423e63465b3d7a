using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Volumes;

/// <summary>The value of <c>/cairn/blobs/meta/&lt;key&gt;</c>.</summary>
internal sealed record BlobMeta
{
    [JsonPropertyName("size")]
    public required long Size { get; init; }

    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    /// <summary>Unix milliseconds.</summary>
    [JsonPropertyName("created")]
    public required long Created { get; init; }

    /// <summary>Unix milliseconds; null without a TTL.</summary>
    [JsonPropertyName("expires")]
    public long? Expires { get; init; }

    [JsonPropertyName("volume")]
    public string? Volume { get; init; }

    [JsonPropertyName("blob")]
    public string? Blob { get; init; }

    [JsonPropertyName("node")]
    public string? Node { get; init; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The body, when it is kept inline.</summary>
    [JsonPropertyName("inline")]
    public byte[]? Inline { get; init; }

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, VolumesJson.Default.BlobMeta);

    /// <summary>Decodes a metadata value; null for one that is not (never written by Cairn: a user's own key under the prefix).</summary>
    public static BlobMeta? Decode(ReadOnlySpan<byte> value)
    {
        try
        {
            var meta = JsonSerializer.Deserialize(value, VolumesJson.Default.BlobMeta);
            return meta is { Sha256: { Length: 64 } } && (meta.Inline is not null || (BlobNames.IsId(meta.Volume) && BlobNames.IsId(meta.Blob))) ? meta : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool IsExpired(DateTimeOffset now) => Expires is { } expires && expires <= now.ToUnixTimeMilliseconds();

    public BlobInfo ToInfo(string key, KeyValue kv) => new()
    {
        Key = key,
        Size = Size,
        Sha256 = Sha256,
        Created = DateTimeOffset.FromUnixTimeMilliseconds(Created),
        Expires = Expires is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
        VolumeId = Inline is null ? Volume : null,
        BlobId = Inline is null ? Blob : null,
        NodeId = Node,
        ContentType = ContentType,
        ModRevision = kv.ModRevision,
    };
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BlobMeta))]
[JsonSerializable(typeof(BlobTrailer))]
[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class VolumesJson : JsonSerializerContext;

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Carts;

/// <summary>How cart values are stored: camelCase JSON, nulls left out, unknown members ignored (a newer node may add
/// some).</summary>
internal static class CartJson
{
    /// <summary>Most file indexes a cart record lists as changed; beyond, it says "all of this revision".</summary>
    public const int MaxChanged = 64;

    private static readonly JsonSerializerOptions Stored = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Stored);

    public static T Decode<T>(KeyValue kv) =>
        JsonSerializer.Deserialize<T>(kv.Value.Span, Stored) ?? throw new CorruptException($"The value at '{kv.Key}' is null.");

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);

    public static CartFileDto CopyFile(CartFileDto file) => new()
    {
        Index = file.Index,
        Id = file.Id,
        Path = file.Path,
        HashType = file.HashType,
        HashSum = file.HashSum,
        State = file.State,
        Size = file.Size,
        BytesDone = file.BytesDone,
        Modified = file.Modified,
        Media = file.Media,
        StatusCalls = file.StatusCalls,
        Error = file.Error,
    };

    /// <summary>The answer for a cart record read at <paramref name="modRevision"/>.</summary>
    public static CartDto ToDto(CartRecord record, long modRevision, DateTimeOffset now) => new()
    {
        Uid = record.Uid,
        CartId = record.CartId,
        State = record.State,
        Message = record.Message,
        Bundle = record.Bundle,
        Archive = record.Archive,
        Node = record.Node,
        Created = record.Created,
        Updated = record.Updated,
        LastUsed = record.LastUsed,
        ReadyAt = record.ReadyAt,
        FileCount = record.FileCount,
        FilesStaged = record.FilesStaged,
        TotalBytes = record.TotalBytes,
        BytesDone = record.BytesDone,
        TarBytes = record.TarBytes,
        EtaSeconds = Eta(record, now),
        ModRevision = modRevision,
    };

    /// <summary>Seconds until staged at the rate since staging began; null unless staging with some progress.</summary>
    private static double? Eta(CartRecord record, DateTimeOffset now)
    {
        if (record.State != CartStates.Staging || record.StagingStarted is not { } started)
        {
            return null;
        }

        var done = record.BytesDone - record.BytesAtStart;
        var elapsed = (now - started).TotalSeconds;
        if (done <= 0 || elapsed <= 0 || record.TotalBytes <= 0)
        {
            return null;
        }

        var left = Math.Max(0, record.TotalBytes - record.BytesDone);
        return Math.Round(left / (done / elapsed), 1);
    }
}

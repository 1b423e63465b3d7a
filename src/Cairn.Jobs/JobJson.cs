using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

/// <summary>
/// How the job system's values are stored: the wire JSON (<see cref="WireJson.Options"/>), except that a job's
/// <see cref="JobDto.Revision"/> is left out, because it is the key's mod revision and a stored copy would be wrong the
/// moment it was written.
/// </summary>
internal static class JobJson
{
    private static readonly JsonSerializerOptions Stored = CreateStored();

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The <c>{}</c> a job without arguments gets.</summary>
    public static JsonElement Empty => EmptyObject;

    public static byte[] Encode(JobDto job) => JsonSerializer.SerializeToUtf8Bytes(job, Stored);

    /// <summary>The job stored in <paramref name="kv"/>, with <see cref="JobDto.Revision"/> its mod revision and, while
    /// it is processing, the running attempt's token (the same revision: only the claim, and then the attempt's end,
    /// write the key while it runs).</summary>
    public static JobDto DecodeJob(KeyValue kv)
    {
        var job = JsonSerializer.Deserialize<JobDto>(kv.Value.Span, Stored)
            ?? throw new CorruptException($"The job at '{kv.Key}' is null.");
        job.Revision = kv.ModRevision;
        if (job.State == JobStates.Processing && job.Attempts.Count > 0)
        {
            job.Attempts[^1].Token = kv.ModRevision;
        }

        return job;
    }

    public static byte[] Encode(ClaimRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Stored);

    /// <summary>The claim stored in <paramref name="kv"/>; its token is the key's create revision (the claim's revision,
    /// which the claim transaction could not know when it wrote the value).</summary>
    public static ClaimRecord DecodeClaim(KeyValue kv)
    {
        var record = JsonSerializer.Deserialize<ClaimRecord>(kv.Value.Span, Stored)
            ?? throw new CorruptException($"The claim at '{kv.Key}' is null.");
        record.Token = kv.CreateRevision;
        return record;
    }

    public static byte[] Encode(JobLogChunkDto chunk) => JsonSerializer.SerializeToUtf8Bytes(chunk, Stored);

    public static JobLogChunkDto DecodeChunk(KeyValue kv) =>
        JsonSerializer.Deserialize<JobLogChunkDto>(kv.Value.Span, Stored)
        ?? throw new CorruptException($"The log chunk at '{kv.Key}' is null.");

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);

    public static byte[] Utf8(long id) => Utf8(id.ToString(CultureInfo.InvariantCulture));

    /// <summary>The id that ends a key (<c>…/&lt;id&gt;</c>).</summary>
    public static long IdAtEnd(string key) => JobKeys.ParseId(key[(key.LastIndexOf('/') + 1)..]);

    /// <summary>The time in an <c>at/</c> or <c>done/</c> key (<c>…/&lt;yyyyMMddHHmmssfff&gt;/&lt;id&gt;</c>).</summary>
    public static DateTimeOffset TimeOf(string key, string prefix)
    {
        var text = key.Substring(prefix.Length, 17);
        return DateTimeOffset.ParseExact(text, "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>A time as a reason shows it.</summary>
    public static string Show(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonSerializerOptions CreateStored()
    {
        var options = new JsonSerializerOptions(WireJson.Options)
        {
            TypeInfoResolver = (WireJson.Options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(info =>
            {
                if (info.Type == typeof(JobDto))
                {
                    var revision = info.Properties.First(p => p.Name == "revision");
                    info.Properties.Remove(revision);
                }
            }),
        };
        options.MakeReadOnly();
        return options;
    }
}

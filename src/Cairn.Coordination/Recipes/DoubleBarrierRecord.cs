using System.Text.Json;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>A double barrier's record, <c>/cairn/barriers/&lt;name&gt;/double</c>: the round filling now, the count it
/// takes, and the participants that have entered it, in order of entry.</summary>
internal sealed class DoubleBarrierRecord
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The round filling now (1, 2, …); every earlier round has filled.</summary>
    public long Round { get; set; }

    /// <summary>How many participants it takes (0 while nobody has entered it).</summary>
    public int Count { get; set; }

    /// <summary>Who has entered it.</summary>
    public List<string> Entered { get; set; } = [];

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static DoubleBarrierRecord Parse(ReadOnlySpan<byte> json, string key)
    {
        try
        {
            var record = JsonSerializer.Deserialize<DoubleBarrierRecord>(json, Json);
            if (record is { Round: >= 1, Entered: not null })
            {
                return record;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new CorruptException($"The double barrier record {key} is not one this version wrote; delete it to reset the barrier.");
    }
}

using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>
/// How journal records are stored. A step entry (in the primary and, byte for byte, in a secondary file) is
/// gzip-compressed JSON <c>{"txid","step","at" (Unix ms),"node","msg" (the message, verbatim)}</c>; a request summary
/// is plain JSON (with <c>"txid"</c> when the request's keys do not spell it, <see cref="JournalKeys.Name"/>).
/// </summary>
/// <remarks>
/// A message that is not standard JSON (it holds <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c>, which the journal
/// accepts as Python's json did) is stored as a JSON string holding it verbatim, under <c>"msgText"</c> instead of
/// <c>"msg"</c> (<see cref="WriteMessage"/>), so that every stored record stays standard JSON.
/// </remarks>
public static class JournalCodec
{
    /// <summary>Encodes an entry, compressed.</summary>
    public static byte[] EncodeEntry(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var json = new ArrayBufferWriter<byte>(entry.Message.Length + 128);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("txid", entry.Txid);
            writer.WriteString("step", entry.Step);
            writer.WriteNumber("at", entry.At.ToUnixTimeMilliseconds());
            writer.WriteString("node", entry.Node);
            WriteMessage(writer, "msg", entry.Message.Span);
            writer.WriteEndObject();
        }

        return Compress(json.WrittenSpan);
    }

    /// <summary>Decodes an entry written by <see cref="EncodeEntry"/>; <paramref name="revision"/> and
    /// <paramref name="source"/> say where it was read. Throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static JournalEntry DecodeEntry(ReadOnlySpan<byte> stored, long revision, JournalSource source)
    {
        try
        {
            var json = Decompress(stored);
            using var document = JsonDocument.Parse(json, EntryReading);
            var root = document.RootElement;
            return new JournalEntry(
                root.GetProperty("txid").GetString() ?? throw new InvalidDataException("An entry without txid."),
                root.GetProperty("step").GetString() ?? throw new InvalidDataException("An entry without step."),
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("at").GetInt64()),
                ReadMessage(root, "msg"),
                revision,
                root.GetProperty("node").GetString() ?? "",
                source);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
            or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException("Not a journal entry: " + ex.Message, ex);
        }
    }

    /// <summary>Encodes a summary. It holds the txid only when its key does not (<see cref="JournalKeys.Name"/>).</summary>
    public static byte[] EncodeSummary(JournalSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var txid = JournalKeys.Name(summary.Txid) == summary.Txid ? null : summary.Txid;
        return JsonSerializer.SerializeToUtf8Bytes(
            new StoredSummary(summary.State.ToWire(), summary.Steps, summary.First.ToUnixTimeMilliseconds(), summary.Last.ToUnixTimeMilliseconds(), summary.Fields, txid),
            Options);
    }

    /// <summary>Decodes a summary stored at <paramref name="revision"/> under the key name <paramref name="name"/>
    /// (<see cref="JournalKeys.Name"/> of its txid, or the txid itself).</summary>
    public static JournalSummary DecodeSummary(string name, ReadOnlySpan<byte> stored, long revision)
    {
        var s = JsonSerializer.Deserialize<StoredSummary>(stored, Options) ?? throw new InvalidDataException("An empty summary.");
        var state = JournalStates.TryParse(s.State, out var parsed) ? parsed : JournalState.Unknown;
        return new JournalSummary(
            s.Txid ?? name,
            state,
            s.Steps ?? [],
            DateTimeOffset.FromUnixTimeMilliseconds(s.First),
            DateTimeOffset.FromUnixTimeMilliseconds(s.Last),
            s.Fields ?? JournalFields.Empty,
            revision);
    }

    /// <summary>
    /// Writes <paramref name="message"/> as member <paramref name="name"/>, verbatim; a message that is not standard
    /// JSON (<see cref="JournalMessages.HasNamedNumbers"/>) as member <paramref name="name"/><c>Text</c>, a string holding
    /// it verbatim. Not validated again: every message was validated when it was appended (and the writer's own check
    /// would refuse one nested deeper than 64).
    /// </summary>
    internal static void WriteMessage(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> message)
    {
        if (JournalMessages.HasNamedNumbers(message))
        {
            writer.WriteString(name + "Text", message);
            return;
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(message, skipInputValidation: true);
    }

    /// <summary>The message <see cref="WriteMessage"/> wrote as member <paramref name="name"/> of <paramref name="parent"/>.</summary>
    internal static byte[] ReadMessage(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var message)
            ? System.Text.Encoding.UTF8.GetBytes(message.GetRawText())
            : System.Text.Encoding.UTF8.GetBytes(parent.GetProperty(name + "Text").GetString() ?? throw new InvalidDataException($"A null {name}Text."));

    /// <summary>gzip of <paramref name="data"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>The data inside gzip <paramref name="compressed"/>.</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> compressed)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The JSON options of stored records (snake_case-free camelCase, nulls omitted).</summary>
    // An entry is an object around the message: one level more than the deepest message allowed.
    private static readonly JsonDocumentOptions EntryReading = new() { MaxDepth = JournalMessages.MaxDepth + 1 };

    internal static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record StoredSummary(string State, IReadOnlyList<string>? Steps, long First, long Last, JournalFields? Fields, string? Txid = null);
}

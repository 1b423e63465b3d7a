using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>
/// How journal records are stored. A step entry (in the primary, in the large-message store and, byte for byte, in a
/// secondary file) is gzip-compressed JSON <c>{"txid","step","at" (Unix ms),"node","msg" (the message, verbatim)}</c>;
/// a step key whose entry is in the large-message store holds <c>{"txid","step","at","node","large":{"name","bytes","length"}}</c>
/// instead, gzip-compressed too. A request summary is plain JSON (with <c>"txid"</c> when the request's keys do not
/// spell it, <see cref="JournalKeys.Name"/>).
/// </summary>
/// <remarks>
/// <para>Reading an entry allocates its JSON once, at its size (gzip's trailer, or the pointer, says how long it is),
/// and the message is a slice of it: a 16 MiB message is held once, not as a string and copies of it.</para>
/// <para>A message that is not standard JSON (it holds <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c>, which the
/// journal accepts as Python's json did) is stored as a JSON string holding it verbatim, under <c>"msgText"</c> instead
/// of <c>"msg"</c> (<see cref="WriteMessage"/>), so that every stored record stays standard JSON.</para>
/// </remarks>
public static class JournalCodec
{
    // Deflate expands at most about 1032:1; a trailer claiming more is not to be believed (and not allocated).
    private const long MaxRatio = 1032;

    /// <summary>Encodes an entry, compressed.</summary>
    public static byte[] EncodeEntry(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var json = new ArrayBufferWriter<byte>(entry.Message.Length + 128);
        using (var writer = new Utf8JsonWriter(json, WireJson.WriterOptions))
        {
            WriteHead(writer, entry);
            WriteMessage(writer, "msg", entry.Message.Span);
            writer.WriteEndObject();
        }

        return Compress(json.WrittenSpan);
    }

    /// <summary>Encodes the step key of an entry whose encoding (<see cref="EncodeEntry"/>) is in the large-message
    /// store as <paramref name="large"/>.</summary>
    internal static byte[] EncodePointer(JournalEntry entry, LargeMessageRef large)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json, WireJson.WriterOptions))
        {
            WriteHead(writer, entry);
            writer.WriteStartObject("large");
            WriteLarge(writer, large);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Compress(json.WrittenSpan);
    }

    /// <summary>Decodes an entry written by <see cref="EncodeEntry"/>; <paramref name="revision"/> and
    /// <paramref name="source"/> say where it was read. Throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static JournalEntry DecodeEntry(ReadOnlySpan<byte> stored, long revision, JournalSource source) =>
        DecodeStored(stored.ToArray(), revision, source);

    /// <summary>Decodes an entry or a pointer to one (then <see cref="JournalEntry.Large"/> says where the entry is and
    /// the message is empty). Throws <see cref="InvalidDataException"/> when it is neither.</summary>
    internal static JournalEntry DecodeStored(ReadOnlyMemory<byte> stored, long revision, JournalSource source)
    {
        try
        {
            return DecodeJson(DecompressStored(stored), revision, source);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException("Not a journal entry: " + ex.Message, ex);
        }
    }

    /// <summary>Reads the entry <paramref name="pointer"/> points to from <paramref name="content"/> (its stored bytes),
    /// with the pointer's revision and source. Throws <see cref="InvalidDataException"/> when the content is not the
    /// entry of that step.</summary>
    internal static async Task<JournalEntry> ReadLargeAsync(Stream content, JournalEntry pointer, CancellationToken cancellationToken)
    {
        var large = pointer.Large ?? throw new ArgumentException("Not a pointer to a large message.", nameof(pointer));
        if (large.Length < 0 || large.Length > MaxRatio * large.Bytes)
        {
            throw new InvalidDataException($"The pointer to large message '{large.Name}' gives an impossible length ({large.Length} bytes from {large.Bytes}).");
        }

        var json = GC.AllocateUninitializedArray<byte>(large.Length);
        JournalEntry entry;
        try
        {
            await using (var gzip = new GZipStream(content, CompressionMode.Decompress, leaveOpen: true))
            {
                await gzip.ReadExactlyAsync(json, cancellationToken).ConfigureAwait(false);
                if (await gzip.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw new InvalidDataException($"The large message '{large.Name}' is longer than its pointer says ({large.Length} bytes).");
                }
            }

            entry = DecodeJson(json, pointer.Revision, pointer.Source);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"The large message '{large.Name}' is not a journal entry: {ex.Message}", ex);
        }

        return entry.Large is null && entry.Txid == pointer.Txid && entry.Step == pointer.Step
            ? entry
            : throw new InvalidDataException($"The large message '{large.Name}' is not the entry of {pointer.Txid}/{pointer.Step}.");
    }

    /// <summary>The length of the data inside gzip <paramref name="compressed"/>, from its trailer (modulo 4 GiB).</summary>
    internal static int DecompressedLength(ReadOnlySpan<byte> compressed) =>
        (int)BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]);

    /// <summary>Writes the <c>large</c> object's members (also used by history segments).</summary>
    internal static void WriteLarge(Utf8JsonWriter writer, LargeMessageRef large)
    {
        writer.WriteString("name", large.Name);
        writer.WriteNumber("bytes", large.Bytes);
        writer.WriteNumber("length", large.Length);
    }

    /// <summary>Reads a <c>large</c> object (also used by history segments).</summary>
    internal static LargeMessageRef ReadLarge(JsonElement large) => new(
        large.GetProperty("name").GetString() ?? throw new InvalidDataException("A large-message pointer without a name."),
        large.GetProperty("bytes").GetInt64(),
        large.GetProperty("length").GetInt32());

    private static void WriteHead(Utf8JsonWriter writer, JournalEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteString("txid", entry.Txid);
        writer.WriteString("step", entry.Step);
        writer.WriteNumber("at", entry.At.ToUnixTimeMilliseconds());
        writer.WriteString("node", entry.Node);
    }

    // The entry in `json`, read token by token: the message is a slice of `json` (no copy, no string).
    private static JournalEntry DecodeJson(byte[] json, long revision, JournalSource source)
    {
        var reader = new Utf8JsonReader(json, EntryReading);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("An entry is a JSON object.");
        }

        string? txid = null, step = null, node = null;
        long? at = null;
        ReadOnlyMemory<byte>? message = null;
        LargeMessageRef? large = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("txid"u8))
            {
                reader.Read();
                txid = reader.GetString();
            }
            else if (reader.ValueTextEquals("step"u8))
            {
                reader.Read();
                step = reader.GetString();
            }
            else if (reader.ValueTextEquals("at"u8))
            {
                reader.Read();
                at = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("node"u8))
            {
                reader.Read();
                node = reader.GetString();
            }
            else if (reader.ValueTextEquals("msg"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                message = json.AsMemory(start, (int)reader.BytesConsumed - start);
            }
            else if (reader.ValueTextEquals("msgText"u8))
            {
                // A message that is not standard JSON, kept as a string (WriteMessage).
                reader.Read();
                message = System.Text.Encoding.UTF8.GetBytes(reader.GetString() ?? throw new InvalidDataException("A null msgText."));
            }
            else if (reader.ValueTextEquals("large"u8))
            {
                reader.Read();
                using var document = JsonDocument.ParseValue(ref reader);
                large = ReadLarge(document.RootElement);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new InvalidDataException("An entry is one JSON object.");
        }

        if (txid is null || step is null || at is null || (message is null == large is null))
        {
            throw new InvalidDataException("An entry has a txid, a step, a time, and either a message or a pointer to one.");
        }

        return new JournalEntry(txid, step, DateTimeOffset.FromUnixTimeMilliseconds(at.Value), message ?? default, revision, node ?? "", source)
        {
            Large = large,
        };
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

    /// <summary>The message <see cref="WriteMessage"/> wrote as member <paramref name="name"/> of <paramref name="parent"/>:
    /// its bytes copied once (not through a string).</summary>
    internal static byte[] ReadMessage(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var message)
            ? JsonMarshal.GetRawUtf8Value(message).ToArray()
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
    public static byte[] Decompress(ReadOnlySpan<byte> compressed) => DecompressStored(compressed.ToArray());

    /// <summary>The data inside gzip <paramref name="compressed"/>, allocated once at the length its trailer gives
    /// (when the trailer is believable and right; otherwise read the slow way).</summary>
    internal static byte[] DecompressStored(ReadOnlyMemory<byte> compressed)
    {
        if (compressed.Length >= 18)
        {
            var length = (uint)DecompressedLength(compressed.Span);
            if (length <= Math.Min(Array.MaxLength, MaxRatio * compressed.Length))
            {
                using var gzip = new GZipStream(AsStream(compressed), CompressionMode.Decompress);
                var output = GC.AllocateUninitializedArray<byte>((int)length);
                var read = gzip.ReadAtLeast(output, output.Length, throwOnEndOfStream: false);
                if (read == output.Length && gzip.ReadByte() < 0)
                {
                    return output;
                }
            }
        }

        // Several gzip members, over 4 GiB, or not gzip at all (which fails here, as it should).
        using var input = new GZipStream(AsStream(compressed), CompressionMode.Decompress);
        using var grown = new MemoryStream();
        input.CopyTo(grown);
        return grown.ToArray();
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    // An entry is an object around the message: one level more than the deepest message allowed.
    private static readonly JsonReaderOptions EntryReading = new() { MaxDepth = JournalMessages.MaxDepth + 1 };

    /// <summary>The JSON options of stored records (snake_case-free camelCase, nulls omitted).</summary>
    internal static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record StoredSummary(string State, IReadOnlyList<string>? Steps, long First, long Last, JournalFields? Fields, string? Txid = null);
}

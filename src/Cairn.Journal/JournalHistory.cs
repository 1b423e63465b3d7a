using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Journal;

/// <summary>
/// History: finished requests folded into numbered segments (see <see cref="JournalKeys"/>). This is the read side
/// that <see cref="JournalService"/> needs, and the stored form of segments and archive pointers; folding, export and
/// retention live in <see cref="JournalArchiver"/>.
/// </summary>
/// <remarks>
/// A segment is written once, in the transaction that allocates its number, and never changed; it is removed (with
/// the pointers of its requests, in one transaction) only by retention. So a pointer always names a segment that
/// exists, or the read raced with retention and the request is gone.
/// <para>Segment: gzip JSON <c>{"segment":n,"folded":ms,"requests":[{"txid","steps":[{"step","at","node","revision","msg"}]}]}</c>,
/// requests in txid order, steps in the order they were accepted; a step whose entry is in the large-message store has
/// <c>"large":{"name","bytes","length"}</c> instead of <c>"msg"</c> (the segment takes over the step key's pointer, and
/// the content stays until retention removes the segment). Pointer: JSON <c>{"segment":n,"state","message"}</c>, the
/// message (commit, else abort) only when it is small, so a status answers without reading the segment. A message
/// that is not standard JSON is <c>"msgText"</c> / <c>"messageText"</c>, a string (<see cref="JournalCodec.WriteMessage"/>).</para>
/// </remarks>
internal static class JournalHistory
{
    /// <summary>Largest status message copied into an archive pointer; a larger one is read from the segment.</summary>
    internal const int MaxPointerMessageBytes = 16 * 1024;

    // A segment holds each message five levels down (segment, requests, request, steps, step), a pointer one level
    // down: read with room for the deepest message allowed below that.
    private static readonly JsonDocumentOptions SegmentReading = new() { MaxDepth = JournalMessages.MaxDepth + 5 };
    private static readonly JsonReaderOptions PointerReading = new() { MaxDepth = JournalMessages.MaxDepth + 1 };

    /// <summary>The archived request <paramref name="txid"/>, or null when it was never folded (or was removed). Steps
    /// whose entry is in the large-message store are not read: their <see cref="JournalEntry.Large"/> says where.</summary>
    public static async Task<JournalRequest?> ReadArchivedAsync(IKeyspace store, string txid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await ReadPointerAsync(store, txid, cancellationToken).ConfigureAwait(false) is not { } pointer)
        {
            return null;
        }

        var segment = await ReadSegmentAsync(store, pointer.Segment, cancellationToken).ConfigureAwait(false);

        // No segment: retention removed it (and the pointer) after the pointer was read.
        var request = segment?.Requests.FirstOrDefault(r => r.Txid == txid);
        return request is null ? null : ToRequest(request, pointer.Segment);
    }

    /// <summary>The status of archived request <paramref name="txid"/> from its pointer (one small read when the
    /// message is small), or null when it is not archived.</summary>
    public static Task<JournalStatus?> ReadArchivedStatusAsync(IKeyspace store, string txid, CancellationToken cancellationToken) =>
        ReadArchivedStatusAsync(store, null, txid, cancellationToken);

    /// <summary>The status of archived request <paramref name="txid"/>, reading a large message from
    /// <paramref name="large"/>; null when it is not archived (or retention is removing it).</summary>
    public static async Task<JournalStatus?> ReadArchivedStatusAsync(IKeyspace store, ILargeMessageStore? large, string txid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await ReadPointerAsync(store, txid, cancellationToken).ConfigureAwait(false) is not { } pointer)
        {
            return null;
        }

        if (pointer.Message is not null || !pointer.State.IsFinished())
        {
            return new JournalStatus(pointer.State, pointer.Message ?? default);
        }

        var request = await ReadArchivedAsync(store, txid, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            return null;
        }

        var deciding = request.State == JournalState.Committed ? JournalNames.Commit : JournalNames.Abort;
        var step = await LargeMessages.ReadAsync(large, request.Steps.First(s => s.Step == deciding), cancellationToken).ConfigureAwait(false);
        return step is null ? null : new JournalStatus(request.State, step.Message);
    }

    /// <summary>The archive pointer of <paramref name="txid"/>, or null.</summary>
    internal static async Task<ArchivePointer?> ReadPointerAsync(IKeyspace store, string txid, CancellationToken cancellationToken)
    {
        var result = await store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.Archived(txid))), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? null : DecodePointer(result.Kvs[0].Value.Span);
    }

    /// <summary>Segment <paramref name="number"/>, or null when it does not exist.</summary>
    internal static async Task<HistorySegment?> ReadSegmentAsync(IKeyspace store, long number, CancellationToken cancellationToken)
    {
        var result = await store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.Segment(number))), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? null : DecodeSegment(result.Kvs[0].Value);
    }

    /// <summary>A folded request as the journal answers it; its fields are those of the messages it holds (a large
    /// message, not read yet, gives none until it is).</summary>
    internal static JournalRequest ToRequest(ArchivedRequest request, long segment)
    {
        var steps = request.Steps.Select(s => s with { Source = JournalSource.History }).ToList();
        var fields = steps.Where(s => s.Large is null).Aggregate(JournalFields.Empty, (f, s) => f.Merge(JournalFields.FromMessage(s.Message.Span)));
        return new JournalRequest(request.Txid, JournalStates.From(steps.Select(s => s.Step)), steps, fields, segment);
    }

    /// <summary>Encodes a segment, gzip-compressed. The same segment always gives the same bytes.</summary>
    internal static byte[] EncodeSegment(HistorySegment segment)
    {
        var json = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(json, WireJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("segment", segment.Number);
            writer.WriteNumber("folded", segment.Folded.ToUnixTimeMilliseconds());
            writer.WriteStartArray("requests");
            foreach (var request in segment.Requests)
            {
                writer.WriteStartObject();
                writer.WriteString("txid", request.Txid);
                writer.WriteStartArray("steps");
                foreach (var step in request.Steps)
                {
                    writer.WriteStartObject();
                    writer.WriteString("step", step.Step);
                    writer.WriteNumber("at", step.At.ToUnixTimeMilliseconds());
                    writer.WriteString("node", step.Node);
                    writer.WriteNumber("revision", step.Revision);
                    if (step.Large is { } large)
                    {
                        writer.WriteStartObject("large");
                        JournalCodec.WriteLarge(writer, large);
                        writer.WriteEndObject();
                    }
                    else
                    {
                        JournalCodec.WriteMessage(writer, "msg", step.Message.Span);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json.WrittenSpan);
        }

        return output.ToArray();
    }

    /// <summary>Decodes a segment written by <see cref="EncodeSegment"/>.</summary>
    internal static HistorySegment DecodeSegment(ReadOnlyMemory<byte> stored)
    {
        try
        {
            // Parsed where it was decompressed (no copy); each message is copied out once, as UTF-8.
            using var document = JsonDocument.Parse(JournalCodec.DecompressStored(stored), SegmentReading);
            var root = document.RootElement;
            var requests = new List<ArchivedRequest>();
            foreach (var request in root.GetProperty("requests").EnumerateArray())
            {
                var txid = request.GetProperty("txid").GetString() ?? throw new InvalidDataException("A folded request without txid.");
                var steps = new List<JournalEntry>();
                foreach (var step in request.GetProperty("steps").EnumerateArray())
                {
                    var large = step.TryGetProperty("large", out var pointer) ? JournalCodec.ReadLarge(pointer) : null;
                    steps.Add(new JournalEntry(
                        txid,
                        step.GetProperty("step").GetString() ?? throw new InvalidDataException("A folded step without a name."),
                        DateTimeOffset.FromUnixTimeMilliseconds(step.GetProperty("at").GetInt64()),
                        large is null ? JournalCodec.ReadMessage(step, "msg") : default,
                        step.GetProperty("revision").GetInt64(),
                        step.GetProperty("node").GetString() ?? "",
                        JournalSource.History)
                    {
                        Large = large,
                    });
                }

                requests.Add(new ArchivedRequest(txid, steps));
            }

            return new HistorySegment(
                root.GetProperty("segment").GetInt64(),
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("folded").GetInt64()),
                requests);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("Not a journal history segment: " + ex.Message, ex);
        }
    }

    /// <summary>Encodes the archive pointer of a request folded into segment <paramref name="segment"/>.</summary>
    internal static byte[] EncodePointer(long segment, JournalState state, ReadOnlyMemory<byte> message)
    {
        var json = new ArrayBufferWriter<byte>(128 + message.Length);
        using (var writer = new Utf8JsonWriter(json, WireJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("segment", segment);
            writer.WriteString("state", state.ToWire());
            if (!message.IsEmpty && message.Length <= MaxPointerMessageBytes)
            {
                JournalCodec.WriteMessage(writer, "message", message.Span);
            }

            writer.WriteEndObject();
        }

        return json.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an archive pointer.</summary>
    internal static ArchivePointer DecodePointer(ReadOnlySpan<byte> stored)
    {
        try
        {
            var reader = new Utf8JsonReader(stored, PointerReading);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var state = JournalStates.TryParse(root.GetProperty("state").GetString(), out var parsed) ? parsed : JournalState.Unknown;
            // Typed on both sides: a null byte[] would convert to an empty (not a null) ReadOnlyMemory.
            var message = root.TryGetProperty("message", out _) || root.TryGetProperty("messageText", out _)
                ? new ReadOnlyMemory<byte>(JournalCodec.ReadMessage(root, "message"))
                : (ReadOnlyMemory<byte>?)null;
            return new ArchivePointer(root.GetProperty("segment").GetInt64(), state, message);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("Not a journal archive pointer: " + ex.Message, ex);
        }
    }

    /// <summary>The number at the end of a segment key.</summary>
    internal static long SegmentNumber(string key) =>
        long.Parse(key.AsSpan(JournalKeys.Segments.Length), NumberStyles.None, CultureInfo.InvariantCulture);
}

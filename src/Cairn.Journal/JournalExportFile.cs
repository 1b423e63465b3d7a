using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Cairn.Journal;

/// <summary>
/// The export file of a history segment: <c>journal-&lt;n:D12&gt;.csv.gz</c>, gzip of an RFC 4180 CSV (CRLF line ends,
/// fields quoted only when they hold a comma, quote or line break) with a header and one row per step.
/// </summary>
/// <remarks>
/// The bytes are a pure function of the segment (and segments never change): no timestamps (the gzip header's mtime
/// is 0), no culture, rows in the segment's order. So rewriting a file after a crash gives the same bytes, and a
/// reader that saw the first copy sees nothing change. Values are written verbatim: no guard against spreadsheet
/// formulas, the file is data for other systems, not for a spreadsheet.
/// </remarks>
internal static class JournalExportFile
{
    /// <summary>The header row.</summary>
    public const string Header = "transaction_id,request_id,step,host,resource,verb,pk,date,user_id,authuser_id,role,cm,payload";

    private const string FilePrefix = "journal-";
    private const string FileSuffix = ".csv.gz";

    /// <summary>The file name of segment <paramref name="number"/>.</summary>
    public static string NameOf(long number) =>
        FilePrefix + number.ToString("D12", CultureInfo.InvariantCulture) + FileSuffix;

    /// <summary>The name of a temporary file for segment <paramref name="number"/>: hidden, unique, and recognisable
    /// by <see cref="TryParseTemporary"/>.</summary>
    public static string TemporaryNameOf(long number) => "." + NameOf(number) + "." + Guid.NewGuid().ToString("N") + ".tmp";

    /// <summary>The segment number of a temporary file name, or false when it is not one.</summary>
    public static bool TryParseTemporary(string name, out long number)
    {
        number = 0;
        var prefix = "." + FilePrefix;
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return false;
        }

        var digits = name.AsSpan(prefix.Length, Math.Min(12, name.Length - prefix.Length));
        return digits.Length == 12
            && name.AsSpan(prefix.Length + 12).StartsWith(FileSuffix + ".", StringComparison.Ordinal)
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>
    /// Writes the gzip CSV of <paramref name="segment"/> to <paramref name="destination"/>, row by row: a step's message
    /// is read (by <paramref name="withMessage"/>, from the large-message store when it is there) just before its row
    /// and let go after it, so a segment of large messages never sits in memory whole.
    /// </summary>
    public static async Task WriteAsync(
        HistorySegment segment,
        Stream destination,
        Func<JournalEntry, CancellationToken, Task<JournalEntry>> withMessage,
        CancellationToken cancellationToken)
    {
        // The same segment gives the same sequence of writes into the compressor, so the same bytes.
        var gzip = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var output = new BufferedStream(gzip, 64 * 1024);
            await using (output.ConfigureAwait(false))
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(Header + "\r\n"), cancellationToken).ConfigureAwait(false);
                foreach (var request in segment.Requests)
                {
                    foreach (var step in request.Steps)
                    {
                        await WriteRowAsync(output, await withMessage(step, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static async Task WriteRowAsync(Stream output, JournalEntry step, CancellationToken cancellationToken)
    {
        var fields = JournalFields.FromMessage(step.Message.Span);
        string?[] values =
        [
            fields.TransactionId ?? step.Txid,
            fields.RequestId ?? step.Txid,
            step.Step,
            fields.Host,
            fields.Resource,
            fields.Verb,
            fields.Pk,
            fields.Date ?? step.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            fields.UserId,
            fields.AuthUserId,
            fields.Role,
            fields.Cm,
        ];
        foreach (var value in values)
        {
            await WriteFieldAsync(output, value is null ? default : Encoding.UTF8.GetBytes(value), cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(Comma, cancellationToken).ConfigureAwait(false);
        }

        var (payload, rented) = PayloadOf(step.Message);
        try
        {
            await WriteFieldAsync(output, payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        await output.WriteAsync(CrLf, cancellationToken).ConfigureAwait(false);
    }

    // The message's payload as UTF-8 text: a string's value (unescaped), anything else as its JSON text as sent, null or absent
    // (or a message that is not an object) as nothing. The last "payload" counts, as a JSON document's lookup has it.
    // The text is a slice of the message, or of a pooled buffer (returned to the caller to give back) when the string
    // holds escapes.
    private static (ReadOnlyMemory<byte> Text, byte[]? Rented) PayloadOf(ReadOnlyMemory<byte> message)
    {
        // Read in the masked message (NaN and the infinities as numbers of as many bytes), sliced from the message
        // itself: a payload that holds NaN is written as it was sent.
        var reader = new Utf8JsonReader(Contracts.JournalMessages.Masked(message.Span), Contracts.JournalMessages.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (default, null);
        }

        ReadOnlyMemory<byte> text = default;
        byte[]? rented = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPayload = reader.ValueTextEquals("payload"u8);
            reader.Read();
            if (!isPayload)
            {
                reader.Skip();
                continue;
            }

            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
                rented = null;
            }

            var start = (int)reader.TokenStartIndex;
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    text = default;
                    break;
                case JsonTokenType.String when reader.ValueIsEscaped:
                    rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                    text = rented.AsMemory(0, reader.CopyString(rented));
                    break;
                case JsonTokenType.String:
                    text = message.Slice(start + 1, reader.ValueSpan.Length);
                    break;
                default:
                    reader.Skip();
                    text = message[start..(int)reader.BytesConsumed];
                    break;
            }
        }

        return (text, rented);
    }

    // A CSV field: as is, or quoted (quotes doubled) when it holds a comma, quote or line break. Bytes of multi-byte
    // UTF-8 characters are never ASCII, so looking at bytes is looking at characters.
    private static async Task WriteFieldAsync(Stream output, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        if (value.IsEmpty)
        {
            return;
        }

        if (value.Span.IndexOfAny(",\"\r\n"u8) < 0)
        {
            await output.WriteAsync(value, cancellationToken).ConfigureAwait(false);
            return;
        }

        await output.WriteAsync(Quote, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var quote = value.Span.IndexOf((byte)'"');
            if (quote < 0)
            {
                await output.WriteAsync(value, cancellationToken).ConfigureAwait(false);
                break;
            }

            // Up to and with the quote, then the quote again.
            await output.WriteAsync(value[..(quote + 1)], cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(Quote, cancellationToken).ConfigureAwait(false);
            value = value[(quote + 1)..];
        }

        await output.WriteAsync(Quote, cancellationToken).ConfigureAwait(false);
    }

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] Quote = "\""u8.ToArray();
}

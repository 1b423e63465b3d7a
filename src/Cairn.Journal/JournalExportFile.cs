using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;

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

    /// <summary>The gzip CSV of <paramref name="segment"/>.</summary>
    public static byte[] Render(HistorySegment segment)
    {
        var csv = new StringBuilder(Header.Length + 2 + (segment.Requests.Count * 512));
        csv.Append(Header).Append("\r\n");
        foreach (var request in segment.Requests)
        {
            foreach (var step in request.Steps)
            {
                AppendRow(csv, step);
            }
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(csv.ToString()));
        }

        return output.ToArray();
    }

    private static void AppendRow(StringBuilder csv, JournalEntry step)
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
            Payload(step.Message.Span),
        ];
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            AppendField(csv, values[i]);
        }

        csv.Append("\r\n");
    }

    // The message's payload: a string as is, anything else as its JSON text exactly as sent (NaN stays NaN), null or
    // absent as nothing.
    private static string? Payload(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(JournalMessages.Masked(message), JournalMessages.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? payload = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPayload = reader.ValueTextEquals("payload"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.String)
            {
                // Read at once: a string token's start is its opening quote.
                var text = reader.GetString();
                payload = isPayload ? text : payload;
                continue;
            }

            reader.Skip();
            if (isPayload)
            {
                // The last member of that name counts, as in a dictionary.
                payload = reader.TokenType == JsonTokenType.Null
                    ? null
                    : Encoding.UTF8.GetString(message[start..(int)reader.BytesConsumed]);
            }
        }

        return payload;
    }

    private static void AppendField(StringBuilder csv, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            csv.Append(value);
            return;
        }

        csv.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}

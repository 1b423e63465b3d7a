using System.Text.Json;
using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// What a journal message may be: one JSON value as Python's <c>json</c> module (the seed's server) read it — valid
/// UTF-8, at most the journal's size limit, nested at most <see cref="MaxDepth"/> deep, every string readable as text,
/// and <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> allowed where a number is. The server applies it to every
/// append; a client checks it before sending.
/// </summary>
/// <remarks>
/// A message is stored and given back byte for byte. Standard JSON readers refuse the three named numbers, so code that
/// reads inside a message reads <see cref="Masked"/> (same length, each named number replaced by a plain one, so every
/// offset still points into the message) and takes the text of a value from the message itself; an answer that embeds
/// the message in a JSON document embeds <see cref="ToStandardJson"/> (each named number as a string).
/// </remarks>
public static class JournalMessages
{
    /// <summary>How deep a message may nest: 1000, Python's default recursion limit, which bounded how deep the seed's
    /// <c>json.loads</c> could go (a little less in practice: the server's own frames counted too). Readers of the
    /// journal's envelopes (an entry, a history segment, an answer) leave room for their own levels on top.</summary>
    public const int MaxDepth = 1000;

    /// <summary>The reader options for a message (or its <see cref="Masked"/> form).</summary>
    public static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>The document options for a message (or its <see cref="Masked"/> form).</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>Throws unless <paramref name="message"/> is one JSON value of at most <paramref name="maxBytes"/> bytes
    /// that every later read of it can parse.</summary>
    public static void Validate(ReadOnlySpan<byte> message, int maxBytes)
    {
        if (message.Length > maxBytes)
        {
            throw new LimitExceededException("message", message.Length, maxBytes);
        }

        if (message.IsEmpty)
        {
            throw new InvalidArgumentException("The message must be a JSON value; the body is empty.");
        }

        // The JSON reader checks structure, not the bytes inside strings: invalid UTF-8 would be stored, and fail (or
        // be mangled) on every read after.
        if (!System.Text.Unicode.Utf8.IsValid(message))
        {
            throw new InvalidArgumentException("The message is not valid UTF-8.");
        }

        var masked = Masked(message);
        try
        {
            var reader = new Utf8JsonReader(masked, ReaderOptions);
            reader.Read();
            CheckText(ref reader);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                // Up to the end of the value: its closing token is the next one back at depth 0.
                while (reader.Read())
                {
                    CheckText(ref reader);
                    if (reader.CurrentDepth == 0)
                    {
                        break;
                    }
                }
            }

            if (reader.Read())
            {
                throw new InvalidArgumentException("The message must be one JSON value; there is more after it.");
            }
        }
        catch (JsonException ex)
        {
            var depth = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) ? $" (at most {MaxDepth} levels of nesting are allowed)" : "";
            throw new InvalidArgumentException($"The message is not valid JSON{depth}: {JsonErrors.Describe(ex)}");
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidArgumentException($"The message has a string that is not valid text (an escaped lone surrogate such as \\ud800): {ex.Message}");
        }
    }

    /// <summary>True when <paramref name="message"/> holds <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c> where a
    /// number belongs, so that it is not standard JSON (RFC 8259).</summary>
    public static bool HasNamedNumbers(ReadOnlySpan<byte> message) => FindNamedNumbers(message) is not null;

    /// <summary>
    /// <paramref name="message"/> as a standard JSON reader can read it, of the same length: each <c>NaN</c>,
    /// <c>Infinity</c> and <c>-Infinity</c> where a value belongs replaced by a plain number of as many bytes
    /// (<c>0e0</c>, <c>0e000000</c>, <c>-0e000000</c>), so that a reader's offsets in it are offsets in the message.
    /// The message itself (not a copy) when it has none.
    /// </summary>
    public static ReadOnlySpan<byte> Masked(ReadOnlySpan<byte> message)
    {
        if (FindNamedNumbers(message) is not { } named)
        {
            return message;
        }

        var copy = message.ToArray();
        foreach (var (at, length) in named)
        {
            var target = copy.AsSpan(at, length);
            target.Fill((byte)'0');
            var sign = length == 9 ? 1 : 0;
            target[0] = sign == 1 ? (byte)'-' : (byte)'0';
            target[sign + 1] = (byte)'e';
        }

        return copy;
    }

    /// <summary>
    /// <paramref name="message"/> as standard JSON, for answers that embed it in a JSON document: each <c>NaN</c>,
    /// <c>Infinity</c> and <c>-Infinity</c> as the string <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c> (as
    /// System.Text.Json writes such doubles with <c>JsonNumberHandling.AllowNamedFloatingPointLiterals</c>). The message
    /// itself when it has none.
    /// </summary>
    public static ReadOnlyMemory<byte> ToStandardJson(ReadOnlyMemory<byte> message)
    {
        if (FindNamedNumbers(message.Span) is not { } named)
        {
            return message;
        }

        var span = message.Span;
        var output = new byte[message.Length + (2 * named.Count)];
        var written = 0;
        var from = 0;
        foreach (var (at, length) in named)
        {
            span[from..at].CopyTo(output.AsSpan(written));
            written += at - from;
            output[written++] = (byte)'"';
            span.Slice(at, length).CopyTo(output.AsSpan(written));
            written += length;
            output[written++] = (byte)'"';
            from = at + length;
        }

        span[from..].CopyTo(output.AsSpan(written));
        return output;
    }

    // Where each NaN, Infinity or -Infinity is (offset, length) outside strings, as a token of its own: after the start,
    // whitespace, '[', ',' or ':', and before the end, whitespace, ',', ']' or '}'; null when there is none. Elsewhere
    // ("-NaN", "1NaN", "NaN1") it is left as it is, and the JSON reader refuses it, as Python's did.
    private static List<(int At, int Length)>? FindNamedNumbers(ReadOnlySpan<byte> json)
    {
        // Every named number has an 'N' or an 'I', which standard JSON has nowhere outside strings.
        if (json.IndexOfAny((byte)'N', (byte)'I') < 0)
        {
            return null;
        }

        List<(int At, int Length)>? found = null;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            if (b == (byte)'"')
            {
                inString = true;
                continue;
            }

            var length = b switch
            {
                (byte)'N' when json[i..].StartsWith("NaN"u8) => 3,
                (byte)'I' when json[i..].StartsWith("Infinity"u8) => 8,
                (byte)'-' when json[i..].StartsWith("-Infinity"u8) => 9,
                _ => 0,
            };
            if (length > 0 && StartsValue(json, i) && EndsValue(json, i + length))
            {
                (found ??= []).Add((i, length));
                i += length - 1;
            }
        }

        return found;
    }

    // The end of a token: the end, whitespace, ',', ']' or '}'. ("NaN1" masked would be "0e01", a number.)
    private static bool EndsValue(ReadOnlySpan<byte> json, int at) =>
        at == json.Length || json[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)',' or (byte)']' or (byte)'}';

    private static bool StartsValue(ReadOnlySpan<byte> json, int at) =>
        at == 0 || json[at - 1] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'[' or (byte)',' or (byte)':';

    // The reader checks an escape's form, not what it stands for: "\ud800" (half a surrogate pair) passes it, is stored,
    // and then fails every read of that string as text (the journal reads its fields so).
    private static void CheckText(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped && reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
        {
            _ = reader.GetString();
        }
    }
}

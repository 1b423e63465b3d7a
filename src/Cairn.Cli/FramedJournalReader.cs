using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary>One frame of the seed's CLI input: step <see cref="Step"/> of request <see cref="Txid"/> with its JSON.</summary>
/// <param name="Number">1 for the first frame of the input.</param>
/// <param name="Txid">The message's <c>request_id</c>.</param>
/// <param name="Step">The message's <c>step</c>.</param>
/// <param name="Json">The frame's bytes: the message, exactly as read.</param>
internal sealed record JournalFrame(int Number, string Txid, string Step, byte[] Json);

/// <summary>
/// Reads the seed's framed format: repeated frames of a 4-byte big-endian length followed by that many bytes of one
/// JSON object, until the end of the input. Each message names its request (<c>request_id</c>) and step
/// (<c>step</c>). Frames are read one at a time, so the frames before a bad one are handled before it is found; a bad
/// frame (truncated, empty, over <c>maxMessageBytes</c>, not a JSON object with string <c>request_id</c> and
/// <c>step</c>) ends the reading with an <see cref="InvalidArgumentException"/> that names it.
/// </summary>
internal static class FramedJournalReader
{
    /// <summary>The server's default limit on a message (<c>Journal:MaxMessageBytes</c>): a larger length is garbage or
    /// a message the server would refuse anyway.</summary>
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    public static async IAsyncEnumerable<JournalFrame> ReadAsync(Stream input, int maxMessageBytes = DefaultMaxMessageBytes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        var header = new byte[4];
        for (var number = 1; ; number++)
        {
            var got = await input.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                yield break;
            }

            if (got < header.Length)
            {
                throw Bad(number, $"the input ends inside the 4-byte length (got {got} byte{(got == 1 ? "" : "s")})");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length == 0)
            {
                throw Bad(number, "the length is 0; a frame holds one JSON message");
            }

            if (length > (uint)maxMessageBytes)
            {
                throw Bad(number, $"the length is {length} bytes; the largest message allowed is {maxMessageBytes} bytes (--max-message-bytes)");
            }

            var json = new byte[length];
            got = await input.ReadAtLeastAsync(json, json.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got < json.Length)
            {
                throw Bad(number, $"the input ends inside the message (got {got} of {length} bytes)");
            }

            var (txid, step) = Names(number, json);
            yield return new JournalFrame(number, txid, step, json);
        }
    }

    // The message's request_id and step; the message must be one JSON object.
    private static (string Txid, string Step) Names(int number, byte[] json)
    {
        // JSON is UTF-8 (RFC 8259), and the parser does not check the bytes inside strings.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw Bad(number, "the message is not valid JSON: it is not valid UTF-8");
        }

        try
        {
            // Read as the journal reads messages: as deep as it takes them, NaN and Infinity where numbers go.
            using var document = JsonDocument.Parse(JournalMessages.Masked(json).ToArray(), JournalMessages.DocumentOptions);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(number, $"the message is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object with request_id and step");
            }

            return (Text(number, root, "request_id"), Text(number, root, "step"));
        }
        catch (JsonException ex)
        {
            throw Bad(number, $"the message is not valid JSON: {ex.Message}");
        }
    }

    private static string Text(int number, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Bad(number, $"the message has no '{name}'");
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            throw Bad(number, $"the message's '{name}' must be a non-empty string");
        }

        return text;
    }

    private static InvalidArgumentException Bad(int number, string what) => new($"frame {number}: {what}.");
}

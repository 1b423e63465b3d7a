using System.Text.Json;
using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>What a journal message may be: one JSON value, valid UTF-8, at most the journal's size limit. The server
/// applies it to every append; a client checks it before sending.</summary>
public static class JournalMessages
{
    /// <summary>Throws unless <paramref name="message"/> is one JSON value of at most <paramref name="maxBytes"/> bytes.</summary>
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

        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            reader.Skip();
            if (reader.Read())
            {
                throw new InvalidArgumentException("The message must be one JSON value; there is more after it.");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidArgumentException($"The message is not valid JSON: {ex.Message}");
        }
    }
}

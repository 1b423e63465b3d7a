using System.Text.Json;
using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>What a journal message may be: one JSON value, valid UTF-8, at most the journal's size limit, nested at most
/// <see cref="MaxDepth"/> deep, every string readable as text. The server applies it to every append; a client checks it
/// before sending.</summary>
public static class JournalMessages
{
    /// <summary>How deep a message may nest. The journal stores a message inside envelopes of its own (an entry, a history
    /// segment) and reads those with room for this much nesting inside them.</summary>
    public const int MaxDepth = 64;

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

        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = MaxDepth });
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
            throw new InvalidArgumentException($"The message is not valid JSON: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidArgumentException($"The message has a string that is not valid text (an escaped lone surrogate such as \\ud800): {ex.Message}");
        }
    }

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

using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>
/// The structured fields of a request, taken from its messages (the seed's message shape: user_id, host, resource,
/// verb, date, …). Each field keeps the first non-empty value any step gave it.
/// </summary>
public sealed record JournalFields
{
    /// <summary>No fields.</summary>
    public static JournalFields Empty { get; } = new();

    /// <summary>Message field <c>transaction_id</c>.</summary>
    public string? TransactionId { get; init; }

    /// <summary>Message field <c>request_id</c>.</summary>
    public string? RequestId { get; init; }

    /// <summary>Message field <c>host</c>.</summary>
    public string? Host { get; init; }

    /// <summary>Message field <c>resource</c>.</summary>
    public string? Resource { get; init; }

    /// <summary>Message field <c>resourcegroup</c>.</summary>
    public string? ResourceGroup { get; init; }

    /// <summary>Message field <c>verb</c>.</summary>
    public string? Verb { get; init; }

    /// <summary>Message field <c>pk</c> (or <c>resourcepk</c>).</summary>
    public string? Pk { get; init; }

    /// <summary>Message field <c>date</c>, as the client wrote it.</summary>
    public string? Date { get; init; }

    /// <summary>Message field <c>user_id</c>.</summary>
    public string? UserId { get; init; }

    /// <summary>Message field <c>authuser_id</c>.</summary>
    public string? AuthUserId { get; init; }

    /// <summary>Message field <c>role</c>.</summary>
    public string? Role { get; init; }

    /// <summary>Message field <c>cm</c>.</summary>
    public string? Cm { get; init; }

    /// <summary>The fields of one JSON message (a message that is not an object has none). A message may hold what
    /// the journal accepts beyond standard JSON (<c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>): such a field's value
    /// is its text, as for any number.</summary>
    /// <remarks>Read token by token, without copying the message (which may be many megabytes; a message with named
    /// numbers is read in its masked form, of the same offsets): only the top-level properties are looked at, and when
    /// one appears twice the last one counts, as a JSON document's lookup does.</remarks>
    public static JournalFields FromMessage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(JournalMessages.Masked(json), JournalMessages.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return Empty;
        }

        var values = new string?[Names.Length];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = IndexOf(ref reader);
            reader.Read();
            if (index >= 0)
            {
                values[index] = Text(ref reader, json);
            }

            reader.Skip();
        }

        return new JournalFields
        {
            TransactionId = values[0],
            RequestId = values[1],
            Host = values[2],
            Resource = values[3],
            ResourceGroup = values[4],
            Verb = values[5],
            Pk = values[6] ?? values[7],
            Date = values[8],
            UserId = values[9],
            AuthUserId = values[10],
            Role = values[11],
            Cm = values[12],
        };
    }

    /// <summary>These fields, with the gaps filled from <paramref name="later"/>.</summary>
    public JournalFields Merge(JournalFields later)
    {
        ArgumentNullException.ThrowIfNull(later);
        return new JournalFields
        {
            TransactionId = TransactionId ?? later.TransactionId,
            RequestId = RequestId ?? later.RequestId,
            Host = Host ?? later.Host,
            Resource = Resource ?? later.Resource,
            ResourceGroup = ResourceGroup ?? later.ResourceGroup,
            Verb = Verb ?? later.Verb,
            Pk = Pk ?? later.Pk,
            Date = Date ?? later.Date,
            UserId = UserId ?? later.UserId,
            AuthUserId = AuthUserId ?? later.AuthUserId,
            Role = Role ?? later.Role,
            Cm = Cm ?? later.Cm,
        };
    }

    // The message properties read, in the order FromMessage takes them.
    private static readonly byte[][] Names =
    [
        "transaction_id"u8.ToArray(), "request_id"u8.ToArray(), "host"u8.ToArray(), "resource"u8.ToArray(),
        "resourcegroup"u8.ToArray(), "verb"u8.ToArray(), "pk"u8.ToArray(), "resourcepk"u8.ToArray(), "date"u8.ToArray(),
        "user_id"u8.ToArray(), "authuser_id"u8.ToArray(), "role"u8.ToArray(), "cm"u8.ToArray(),
    ];

    // The index in Names of the property name the reader is on (escapes undone), or -1.
    private static int IndexOf(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (reader.ValueTextEquals(Names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // A string field as is; a number or boolean as its JSON text (a number's from the message itself: NaN stays NaN);
    // null, empty, objects and arrays as null.
    private static string? Text(ref Utf8JsonReader reader, ReadOnlySpan<byte> message)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(message.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length)),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => null,
        };
        return string.IsNullOrEmpty(text) ? null : text;
    }
}

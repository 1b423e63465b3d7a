using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>
/// The structured fields of a request, taken from its messages (the seed's message shape: user_id, host, resource,
/// verb, date, …). Each field keeps the first non-empty value any step gave it.
/// </summary>
public sealed record JournalFields
{
    // The message members that are fields: a string as is; a number or boolean as its JSON text; null, empty, objects
    // and arrays as no value.
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "transaction_id", "request_id", "host", "resource", "resourcegroup", "verb", "pk", "resourcepk", "date", "user_id",
        "authuser_id", "role", "cm",
    };

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
    public static JournalFields FromMessage(ReadOnlySpan<byte> json)
    {
        // The message's top-level members, read from its masked form (same offsets) so that named numbers read as
        // numbers; the text of a number is taken from the message itself. A repeated member counts once, with its
        // last value (as a JSON object read into a dictionary: Python's json, System.Text.Json).
        var masked = JournalMessages.Masked(json);
        var reader = new Utf8JsonReader(masked, JournalMessages.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return Empty;
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            string? text = null;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    text = reader.GetString();
                    break;
                case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                    text = System.Text.Encoding.UTF8.GetString(json.Slice(start, (int)reader.BytesConsumed - start));
                    break;
                default:
                    reader.Skip();
                    break;
            }

            if (Names.Contains(name))
            {
                values[name] = string.IsNullOrEmpty(text) ? null : text;
            }
        }

        string? Text(string name) => values.GetValueOrDefault(name);
        return new JournalFields
        {
            TransactionId = Text("transaction_id"),
            RequestId = Text("request_id"),
            Host = Text("host"),
            Resource = Text("resource"),
            ResourceGroup = Text("resourcegroup"),
            Verb = Text("verb"),
            Pk = Text("pk") ?? Text("resourcepk"),
            Date = Text("date"),
            UserId = Text("user_id"),
            AuthUserId = Text("authuser_id"),
            Role = Text("role"),
            Cm = Text("cm"),
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
}

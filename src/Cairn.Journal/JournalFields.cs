using System.Text.Json;

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

    /// <summary>The fields of one JSON message (a message that is not an object has none).</summary>
    public static JournalFields FromMessage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Empty;
        }

        return new JournalFields
        {
            TransactionId = Text(root, "transaction_id"),
            RequestId = Text(root, "request_id"),
            Host = Text(root, "host"),
            Resource = Text(root, "resource"),
            ResourceGroup = Text(root, "resourcegroup"),
            Verb = Text(root, "verb"),
            Pk = Text(root, "pk") ?? Text(root, "resourcepk"),
            Date = Text(root, "date"),
            UserId = Text(root, "user_id"),
            AuthUserId = Text(root, "authuser_id"),
            Role = Text(root, "role"),
            Cm = Text(root, "cm"),
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

    // A string field as is; a number or boolean as its JSON text; null, absent, empty, objects and arrays as null.
    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
        return string.IsNullOrEmpty(text) ? null : text;
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The JSON settings of Cairn's wire format: camelCase, nulls omitted, unknown members rejected so that a typo
/// in a request is an error rather than a silently ignored field, and text escaped only where JSON requires it.</summary>
public static class WireJson
{
    /// <summary>Options for reading and writing every /v1 body.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>For a <see cref="Utf8JsonWriter"/> that writes what a user reads: the same escaping as
    /// <see cref="Options"/>.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,

            // Answers carry journal messages (nested up to JournalMessages.MaxDepth) a few levels down; the default
            // limit, 64, would refuse to write or read the deepest message the journal accepts.
            MaxDepth = JournalMessages.MaxDepth + 16,

            // Readable answers: ' " < > & and non-ASCII text as themselves, not \u0027. Only what JSON itself requires
            // is escaped. Safe here because every body is served as JSON (never inlined into HTML).
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

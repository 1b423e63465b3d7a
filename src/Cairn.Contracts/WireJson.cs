using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The JSON settings of Cairn's wire format: camelCase, nulls omitted, unknown members rejected so that a typo
/// in a request is an error rather than a silently ignored field.</summary>
public static class WireJson
{
    /// <summary>Options for reading and writing every /v1 body.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,

            // Answers carry journal messages (nested up to JournalMessages.MaxDepth) a few levels down; the default
            // limit, 64, would refuse to write or read the deepest message the journal accepts.
            MaxDepth = JournalMessages.MaxDepth + 16,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

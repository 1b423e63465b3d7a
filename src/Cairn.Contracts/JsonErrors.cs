using System.Text.Json;

namespace Cairn.Contracts;

/// <summary>
/// Says what is wrong with a JSON text in the user's terms: which field, where, and what kind of mistake, from a
/// <see cref="JsonException"/> whose own message names .NET types ("could not be converted to
/// Cairn.Contracts.PutDto") and the reader's internals ("LineNumber: 0 | BytePositionInLine: 7").
/// </summary>
public static class JsonErrors
{
    /// <summary>For example <c>unknown field 'vaule' (at $.vaule, line 1, column 18)</c> or <c>'}' is an invalid start
    /// of a value (at $.value, line 1, column 10)</c>.</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        string what;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) && Quoted(message, "The JSON property '") is { } field)
        {
            what = $"unknown field '{field}'";
        }
        else if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var including = message.IndexOf("including:", StringComparison.Ordinal);
            what = including < 0 ? "a required field is missing" : "missing required field " + message[(including + "including:".Length)..].Trim().TrimEnd('.');
        }
        else if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            what = "a value of the wrong type";
        }
        else if (message.Contains("depth", StringComparison.OrdinalIgnoreCase) && message.Contains("maximum", StringComparison.OrdinalIgnoreCase))
        {
            what = "nested too deeply";
        }
        else
        {
            // The reader's own sentence ("'x' is an invalid start of a value.") is plain; what follows it is position
            // bookkeeping, said again below in the user's terms. A sentence that names a type is not shown.
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            var sentence = (cut < 0 ? message : message[..cut]).Trim();
            cut = sentence.IndexOf(" LineNumber:", StringComparison.Ordinal);
            sentence = (cut < 0 ? sentence : sentence[..cut]).Trim().TrimEnd('.', ' ');
            what = sentence.Length == 0 || sentence.Contains(".NET", StringComparison.Ordinal) || sentence.Contains("System.", StringComparison.Ordinal)
                || sentence.Contains("Cairn.", StringComparison.Ordinal)
                ? "malformed JSON"
                : sentence;
        }

        var where = new List<string>();
        if (!string.IsNullOrEmpty(exception.Path) && exception.Path != "$")
        {
            where.Add("at " + exception.Path);
        }

        if (exception.LineNumber is { } line)
        {
            where.Add($"line {line + 1}, column {(exception.BytePositionInLine ?? 0) + 1}");
        }

        return where.Count == 0 ? what : $"{what} ({string.Join(", ", where)})";
    }

    private static string? Quoted(string message, string prefix)
    {
        var start = message.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += prefix.Length;
        var end = message.IndexOf('\'', start);
        return end < 0 ? null : message[start..end];
    }
}

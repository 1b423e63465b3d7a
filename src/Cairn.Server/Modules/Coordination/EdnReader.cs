using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// Reads the data the seed's clients wrote as Clojure literals (EDN), such as its walkthrough's topology
/// <c>{"node1" [1 2 4] "node2" [2]}</c> or a module <c>{:nodes {"node1" {:multiplicity 3}}}</c>, or the same as JSON, into
/// a JSON tree: maps, vectors and lists, strings, integers, <c>true</c>/<c>false</c>/<c>nil</c>, and keywords (read as
/// their names: <c>:nodes</c> is <c>"nodes"</c>). Commas are whitespace, <c>;</c> starts a comment. Nothing else of EDN
/// (sets, tags, symbols, characters, ratios) is needed here, so it is refused.
/// </summary>
internal sealed class EdnReader
{
    private const int MaxDepth = 32;
    private readonly string _text;
    private readonly string _what;
    private int _at;

    private EdnReader(string text, string what) => (_text, _what) = (text, what);

    /// <summary>The value of <paramref name="text"/> (JSON, else EDN) as a JSON tree; null for <c>null</c>/<c>nil</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="what">What it is, for messages (e.g. <c>'topology'</c>).</param>
    /// <exception cref="InvalidArgumentException">It is neither.</exception>
    public static JsonNode? Read(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException)
        {
            // Not JSON: the seed's own notation, then.
        }

        var reader = new EdnReader(text, what);
        var value = reader.Value(0);
        reader.SkipSpace();
        return reader._at == text.Length ? value : throw reader.Bad("text after the value");
    }

    private JsonNode? Value(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Bad($"nesting deeper than {MaxDepth}");
        }

        SkipSpace();
        if (_at >= _text.Length)
        {
            throw Bad("the end of the text where a value belongs");
        }

        var c = _text[_at];
        switch (c)
        {
            case '{':
                _at++;
                var map = new JsonObject();
                while (!Closes('}'))
                {
                    var key = Value(depth + 1) switch
                    {
                        JsonValue k when k.TryGetValue<string>(out var s) => s,
                        JsonValue k => k.ToJsonString(),
                        _ => throw Bad("a map key that is a map or a vector"),
                    };
                    if (map.ContainsKey(key))
                    {
                        throw Bad($"the key '{key}' twice");
                    }

                    map[key] = Value(depth + 1);
                }

                return map;
            case '[' or '(':
                _at++;
                var list = new JsonArray();
                while (!Closes(c == '[' ? ']' : ')'))
                {
                    list.Add(Value(depth + 1));
                }

                return list;
            case '"':
                return JsonValue.Create(String());
            case ':':
                _at++;
                return JsonValue.Create(Token());
            default:
                var token = Token();
                return token switch
                {
                    "nil" => null,
                    "true" => JsonValue.Create(true),
                    "false" => JsonValue.Create(false),
                    _ when long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
                    _ => throw Bad($"'{token}', which is not a string, an integer or a keyword"),
                };
        }
    }

    private bool Closes(char close)
    {
        SkipSpace();
        if (_at >= _text.Length)
        {
            throw Bad($"no closing '{close}'");
        }

        if (_text[_at] != close)
        {
            return false;
        }

        _at++;
        return true;
    }

    private string String()
    {
        var text = new StringBuilder();
        for (_at++; _at < _text.Length; _at++)
        {
            var c = _text[_at];
            if (c == '"')
            {
                _at++;
                return text.ToString();
            }

            if (c == '\\')
            {
                if (++_at >= _text.Length)
                {
                    break;
                }

                text.Append(_text[_at] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '"' => '"',
                    '\\' => '\\',
                    var other => throw Bad($"the escape '\\{other}'"),
                });
            }
            else
            {
                text.Append(c);
            }
        }

        throw Bad("a string without its closing '\"'");
    }

    private string Token()
    {
        var start = _at;
        while (_at < _text.Length && !char.IsWhiteSpace(_text[_at]) && _text[_at] is not (',' or '{' or '}' or '[' or ']' or '(' or ')' or '"' or ';'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw Bad(_at < _text.Length ? $"'{_text[_at]}'" : "the end of the text");
    }

    private void SkipSpace()
    {
        while (_at < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_at]) || _text[_at] == ',')
            {
                _at++;
            }
            else if (_text[_at] == ';')
            {
                while (_at < _text.Length && _text[_at] != '\n')
                {
                    _at++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private InvalidArgumentException Bad(string found) =>
        new($"{_what} is neither JSON nor the seed's notation (EDN such as {{\"node1\" [1 2 4] \"node2\" [2]}}): found {found} at character {_at}.");
}

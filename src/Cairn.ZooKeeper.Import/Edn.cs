using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// Reads the part of EDN (Clojure's data notation) that <c>prn-str</c> of plain data writes: maps, vectors, lists and
/// sets, strings, integers, decimals, keywords, symbols, <c>nil</c>, <c>true</c> and <c>false</c>; commas are
/// whitespace and <c>;</c> starts a comment. Tagged values (<c>#inst</c>, <c>#uuid</c>, …), characters and
/// <c>#_</c> are refused with an <see cref="InvalidDataException"/>: the original's topology never held them.
/// </summary>
/// <remarks>Values come back as <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// null, <see cref="Keyword"/>, <see cref="Symbol"/>, <c>List&lt;object?&gt;</c> (vector, list, set) and
/// <c>List&lt;KeyValuePair&lt;object?, object?&gt;&gt;</c> (map, in written order).</remarks>
public sealed class Edn
{
    /// <summary>Deepest nesting of collections read (deeper text is refused rather than allowed to exhaust the stack).</summary>
    public const int MaxDepth = 64;

    private readonly string _text;
    private int _at;
    private int _depth;

    private Edn(string text) => _text = text;

    /// <summary>The one value of <paramref name="text"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not one EDN value of the kinds read, or nests deeper than
    /// <see cref="MaxDepth"/>.</exception>
    public static object? Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Edn(text);
        var value = reader.Value();
        reader.SkipSpace();
        if (reader._at < text.Length)
        {
            throw new InvalidDataException($"more after the value, at character {reader._at + 1}.");
        }

        return value;
    }

    /// <summary>A value as Clojure's <c>str</c> makes text of it (how the original named a node's znode after its key).</summary>
    public static string Str(object? value) => value switch
    {
        null => "",
        string s => s,
        long n => n.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Keyword k => ":" + k.Name,
        Symbol s => s.Name,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new InvalidDataException("a collection where a name was expected."),
    };

    private object? Value()
    {
        SkipSpace();
        if (_at >= _text.Length)
        {
            throw new InvalidDataException("the text ends where a value was expected.");
        }

        var c = _text[_at];
        switch (c)
        {
            case '{':
                _at++;
                return Map();
            case '[':
                _at++;
                return Sequence(']');
            case '(':
                _at++;
                return Sequence(')');
            case '#' when _at + 1 < _text.Length && _text[_at + 1] == '{':
                _at += 2;
                return Sequence('}');
            case '"':
                return String();
            case ':':
                _at++;
                return new Keyword(Token());
            case '#' or '\\' or '^' or '@' or '`' or '~' or '\'':
                throw new InvalidDataException($"'{c}' at character {_at + 1}: tagged values, characters and reader macros are not read.");
            case ')' or ']' or '}':
                throw new InvalidDataException($"'{c}' at character {_at + 1} closes nothing.");
        }

        var token = Token();
        if (char.IsAsciiDigit(token[0]) || (token.Length > 1 && token[0] is '+' or '-' && char.IsAsciiDigit(token[1])))
        {
            return Number(token);
        }

        return token switch
        {
            "nil" => null,
            "true" => true,
            "false" => false,
            _ => new Symbol(token),
        };
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new InvalidDataException($"collections nested deeper than {MaxDepth}, at character {_at}.");
        }
    }

    private List<KeyValuePair<object?, object?>> Map()
    {
        Enter();
        var entries = new List<KeyValuePair<object?, object?>>();
        while (true)
        {
            SkipSpace();
            if (_at >= _text.Length)
            {
                throw new InvalidDataException("a map is not closed with '}'.");
            }

            if (_text[_at] == '}')
            {
                _at++;
                _depth--;
                return entries;
            }

            var key = Value();
            SkipSpace();
            if (_at < _text.Length && _text[_at] == '}')
            {
                throw new InvalidDataException("a map with a key and no value.");
            }

            entries.Add(new(key, Value()));
        }
    }

    private List<object?> Sequence(char close)
    {
        Enter();
        var items = new List<object?>();
        while (true)
        {
            SkipSpace();
            if (_at >= _text.Length)
            {
                throw new InvalidDataException($"a collection is not closed with '{close}'.");
            }

            if (_text[_at] == close)
            {
                _at++;
                _depth--;
                return items;
            }

            items.Add(Value());
        }
    }

    private string String()
    {
        var value = new StringBuilder();
        for (_at++; _at < _text.Length; _at++)
        {
            var c = _text[_at];
            if (c == '"')
            {
                _at++;
                return value.ToString();
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (++_at >= _text.Length)
            {
                break;
            }

            switch (_text[_at])
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case '"': value.Append('"'); break;
                case '\\': value.Append('\\'); break;
                case 'u' when _at + 4 < _text.Length && ushort.TryParse(_text.AsSpan(_at + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    value.Append((char)code);
                    _at += 4;
                    break;
                default:
                    throw new InvalidDataException($"the escape '\\{_text[_at]}' at character {_at} is not one EDN has.");
            }
        }

        throw new InvalidDataException("a string is not closed.");
    }

    private static object Number(string token)
    {
        var text = token.TrimEnd('N', 'M');
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return real;
        }

        throw new InvalidDataException($"'{token}' is not a number.");
    }

    private string Token()
    {
        var start = _at;
        while (_at < _text.Length && !char.IsWhiteSpace(_text[_at]) && _text[_at] is not (',' or '(' or ')' or '[' or ']' or '{' or '}' or '"' or ';'))
        {
            _at++;
        }

        if (_at == start)
        {
            throw new InvalidDataException($"a name is empty at character {start + 1}.");
        }

        return _text[start.._at];
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

    /// <summary>
    /// A value read by <see cref="Read"/> as JSON, for APIs that take the originals' EDN where they take JSON: maps become
    /// objects (keys as <see cref="Str"/> makes them, a keyword without its colon, a later duplicate winning), vectors,
    /// lists and sets arrays, keywords and symbols their names, numbers, strings, booleans and nil themselves.
    /// </summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long n => JsonValue.Create(n),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        Keyword k => JsonValue.Create(k.Name),
        Symbol s => JsonValue.Create(s.Name),
        List<KeyValuePair<object?, object?>> map => Object(map),
        List<object?> items => new JsonArray([.. items.Select(ToJson)]),
        _ => throw new InvalidDataException("a value of a kind EDN does not have."),
    };

    private static JsonObject Object(List<KeyValuePair<object?, object?>> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map)
        {
            json[key is Keyword k ? k.Name : Str(key)] = ToJson(value);
        }

        return json;
    }

    /// <summary>An EDN keyword, <c>:name</c>.</summary>
    /// <param name="Name">Its name, without the colon.</param>
    public sealed record Keyword(string Name);

    /// <summary>An EDN symbol other than nil, true and false.</summary>
    /// <param name="Name">Its name.</param>
    public sealed record Symbol(string Name);
}

using System.Globalization;
using System.Text;

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
internal sealed class Edn
{
    private readonly string _text;
    private int _at;

    private Edn(string text) => _text = text;

    /// <summary>The one value of <paramref name="text"/>.</summary>
    public static object? Read(string text)
    {
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

    private List<KeyValuePair<object?, object?>> Map()
    {
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

    /// <summary>An EDN keyword, <c>:name</c>.</summary>
    /// <param name="Name">Its name, without the colon.</param>
    public sealed record Keyword(string Name);

    /// <summary>An EDN symbol other than nil, true and false.</summary>
    /// <param name="Name">Its name.</param>
    public sealed record Symbol(string Name);
}

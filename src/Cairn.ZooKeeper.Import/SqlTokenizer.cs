using System.Text;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// Splits SQL text into SQLite's tokens: words, quoted names, string and blob literals, decimal numbers and punctuation;
/// whitespace and comments are skipped. It only reads — nothing is ever executed — and it refuses what it does not know
/// (an unterminated string, quoted name or comment; a hexadecimal number; a character SQL has no token for) with an
/// <see cref="InvalidDataException"/> that says what and on which line.
/// </summary>
internal sealed class SqlTokenizer(string text)
{
    private readonly string _text = text;
    private int _at;
    private int _line = 1;

    /// <summary>The next token, or null at the end of the text.</summary>
    public SqlToken? Next()
    {
        SkipSpaceAndComments();
        if (_at >= _text.Length)
        {
            return null;
        }

        var line = _line;
        var c = _text[_at];
        if (c == '\'')
        {
            return new SqlToken(SqlTokenKind.String, Quoted('\'', '\'', "string"), line);
        }

        if ((c is 'x' or 'X') && _at + 1 < _text.Length && _text[_at + 1] == '\'')
        {
            _at++;
            var hex = Quoted('\'', '\'', "blob");
            if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
            {
                throw new InvalidDataException($"line {line}: a blob literal X'…' must hold an even number of hexadecimal digits.");
            }

            return new SqlToken(SqlTokenKind.Blob, hex, line);
        }

        if (c == '"')
        {
            return new SqlToken(SqlTokenKind.QuotedName, Quoted('"', '"', "quoted name"), line);
        }

        if (c == '`')
        {
            return new SqlToken(SqlTokenKind.QuotedName, Quoted('`', '`', "quoted name"), line);
        }

        if (c == '[')
        {
            return new SqlToken(SqlTokenKind.QuotedName, Quoted('[', ']', "quoted name"), line);
        }

        if (char.IsAsciiDigit(c) || (c == '.' && _at + 1 < _text.Length && char.IsAsciiDigit(_text[_at + 1])))
        {
            return new SqlToken(SqlTokenKind.Number, Number(line), line);
        }

        if (IsWordStart(c))
        {
            var start = _at;
            while (_at < _text.Length && IsWordPart(_text[_at]))
            {
                _at++;
            }

            return new SqlToken(SqlTokenKind.Word, _text[start.._at], line);
        }

        if ("(),;=.+-*/<>!|&%~".Contains(c, StringComparison.Ordinal))
        {
            _at++;
            return new SqlToken(SqlTokenKind.Symbol, c.ToString(), line);
        }

        throw new InvalidDataException($"line {line}: the character U+{(int)c:X4} starts no SQL token.");
    }

    private void SkipSpaceAndComments()
    {
        while (_at < _text.Length)
        {
            var c = _text[_at];
            if (c == '\n')
            {
                _line++;
                _at++;
            }
            else if (c is ' ' or '\t' or '\r' or '\f')
            {
                _at++;
            }
            else if (c == '-' && _at + 1 < _text.Length && _text[_at + 1] == '-')
            {
                while (_at < _text.Length && _text[_at] != '\n')
                {
                    _at++;
                }
            }
            else if (c == '/' && _at + 1 < _text.Length && _text[_at + 1] == '*')
            {
                var line = _line;
                var end = _text.IndexOf("*/", _at + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new InvalidDataException($"line {line}: a /* comment is not closed.");
                }

                CountLines(_at, end + 2);
                _at = end + 2;
            }
            else
            {
                return;
            }
        }
    }

    // The content between `open` and `close`, a doubled `close` standing for one; _at is on `open`.
    private string Quoted(char open, char close, string what)
    {
        var line = _line;
        var value = new StringBuilder();
        var i = _at + 1;
        while (true)
        {
            var end = _text.IndexOf(close, i);
            if (end < 0)
            {
                throw new InvalidDataException($"line {line}: a {what} starting with {open} is not closed.");
            }

            value.Append(_text, i, end - i);
            // Only the quote characters double: "" in "…", '' in '…', `` in `…`; ']' is not escaped inside [...].
            if (open == close && end + 1 < _text.Length && _text[end + 1] == close)
            {
                value.Append(close);
                i = end + 2;
                continue;
            }

            CountLines(_at, end + 1);
            _at = end + 1;
            return value.ToString();
        }
    }

    private string Number(int line)
    {
        var start = _at;
        if (_text[_at] == '0' && _at + 1 < _text.Length && _text[_at + 1] is 'x' or 'X')
        {
            throw new InvalidDataException($"line {line}: a hexadecimal number; a dump writes numbers in decimal.");
        }

        SkipDigits();
        if (_at < _text.Length && _text[_at] == '.')
        {
            _at++;
            SkipDigits();
        }

        if (_at < _text.Length && _text[_at] is 'e' or 'E')
        {
            _at++;
            if (_at < _text.Length && _text[_at] is '+' or '-')
            {
                _at++;
            }

            var digits = _at;
            SkipDigits();
            if (_at == digits)
            {
                throw new InvalidDataException($"line {line}: the number '{_text[start.._at]}' has an exponent without digits.");
            }
        }

        if (_at < _text.Length && IsWordPart(_text[_at]))
        {
            throw new InvalidDataException($"line {line}: '{_text[start..(_at + 1)]}' is not a number.");
        }

        return _text[start.._at];
    }

    private void SkipDigits()
    {
        while (_at < _text.Length && char.IsAsciiDigit(_text[_at]))
        {
            _at++;
        }
    }

    private void CountLines(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (_text[i] == '\n')
            {
                _line++;
            }
        }
    }

    // SQLite's identifier characters: letters, digits, '_', '$' and every character past ASCII.
    private static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > 0x7F;

    private static bool IsWordPart(char c) => IsWordStart(c) || char.IsAsciiDigit(c) || c == '$';
}

using System.Globalization;
using System.Text;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// JSON as Python's <c>json.dumps</c> writes it with its defaults — <c>", "</c> and <c>": "</c> between items, every
/// character past ASCII as <c>\uXXXX</c>, floats as <c>repr</c> writes them, infinities as <c>Infinity</c> — so that
/// a message built from a history row is, byte for byte, the <c>"status"</c> value the original's server answered.
/// </summary>
internal static class PythonJson
{
    /// <summary>Appends <paramref name="value"/> as a JSON string (<c>ensure_ascii=True</c>).</summary>
    public static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7E)
                    {
                        // Python escapes DEL too: ensure_ascii keeps only ' ' to '~' as they are. A surrogate pair is
                        // two escapes, as Python writes a character past U+FFFF.
                        json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        json.Append('"');
    }

    /// <summary>
    /// <paramref name="value"/> as Python's <c>repr(float)</c>: the shortest digits that read back as the same double,
    /// in fixed notation with at least one digit after the point when the decimal exponent is from -4 to 15
    /// (<c>1.5</c>, <c>100.0</c>, <c>0.0001</c>), else in exponent notation with a sign and at least two digits
    /// (<c>1e+16</c>, <c>1.5e-05</c>); <c>Infinity</c>, <c>-Infinity</c> and <c>NaN</c> as <c>json.dumps</c> writes them.
    /// </summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        // .NET's "R" is the shortest round-trip form too; take its digits and exponent and lay them out as Python does.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        var body = negative ? shortest[1..] : shortest;
        var exponentAt = body.IndexOfAny(['E', 'e']);
        var exponent = exponentAt < 0 ? 0 : int.Parse(body[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var decimalPoint = (point < 0 ? mantissa.Length : point) + exponent; // digits[..decimalPoint] is the integer part
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        if (digits.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }

        decimalPoint -= leadingZeros;
        var text = new StringBuilder();
        if (negative)
        {
            text.Append('-');
        }

        if (decimalPoint is > -4 and <= 16)
        {
            if (decimalPoint <= 0)
            {
                text.Append("0.").Append('0', -decimalPoint).Append(digits);
            }
            else if (decimalPoint < digits.Length)
            {
                text.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
            }
            else
            {
                text.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            }
        }
        else
        {
            text.Append(digits[0]);
            if (digits.Length > 1)
            {
                text.Append('.').Append(digits, 1, digits.Length - 1);
            }

            var e = decimalPoint - 1;
            text.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}

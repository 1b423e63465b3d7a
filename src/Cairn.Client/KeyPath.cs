using System.Text;

namespace Cairn.Client;

/// <summary>Builds the URL path of a key: every UTF-8 byte percent-encoded except unreserved characters and '/'.</summary>
internal static class KeyPath
{
    public static string Encode(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var text = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            // '.' is encoded too, so that a key segment "." or ".." is never taken for a dot segment and collapsed.
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'~' or (byte)'/')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}

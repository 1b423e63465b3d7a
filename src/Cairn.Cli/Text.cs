using System.Text;

namespace Cairn.Cli;

/// <summary>Rendering values and tables for people.</summary>
internal static class Text
{
    /// <summary>A value on one line: UTF-8 with control characters shown as '.', cut to <paramref name="width"/>.</summary>
    public static string Preview(ReadOnlySpan<byte> value, int width = 40)
    {
        var text = Encoding.UTF8.GetString(value);
        var builder = new StringBuilder(Math.Min(text.Length, width + 1));
        foreach (var c in text)
        {
            if (builder.Length == width)
            {
                builder.Length = width - 1;
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? '.' : c);
        }

        return builder.ToString();
    }

    /// <summary>Writes rows as left-aligned columns separated by two spaces.</summary>
    public static async Task WriteTableAsync(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            var line = string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i])));
            await output.WriteLineAsync(line.TrimEnd()).ConfigureAwait(false);
        }
    }
}

namespace Cairn.Client;

/// <summary>One Server-Sent Event: its <c>event:</c> type, <c>id:</c> and <c>data:</c> lines.</summary>
internal sealed record SseEvent(string Type, string? Id, string Data)
{
    /// <summary>Reads the next event; null at the end of the stream. Comments and unknown fields are skipped.</summary>
    public static async Task<SseEvent?> ReadAsync(TextReader reader, CancellationToken cancellationToken)
    {
        string type = "message";
        string? id = null;
        var data = new System.Text.StringBuilder();
        var any = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (any)
                {
                    return new SseEvent(type, id, data.ToString());
                }

                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            any = true;
            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "data":
                    if (data.Length > 0)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    break;
            }
        }

        return null;
    }
}

using System.Net.Sockets;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>Sends bytes exactly as given over TCP (<c>http://host:port</c>) or a Unix socket (<c>unix:/path</c>), for
/// requests that HttpClient would correct or refuse to send.</summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Head, string Body)> SendAsync(string address, string head, byte[]? body = null)
    {
        using var socket = address.StartsWith("unix:", StringComparison.Ordinal)
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(address["unix:".Length..]));
        }
        else
        {
            var uri = new Uri(address);
            await socket.ConnectAsync(uri.Host, uri.Port);
        }

        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            // One write: a server that refuses the request line answers and closes before it reads a body.
            await stream.WriteAsync(body is null ? Encoding.ASCII.GetBytes(head) : [.. Encoding.ASCII.GetBytes(head), .. body]);
        }
        catch (IOException)
        {
            // It closed while the request was still being written; its answer is still there to read.
        }

        // Connection: close on every request, so the answer ends where the stream does.
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = split >= 0 ? text[..split] : text;
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var answer = split >= 0 ? text[(split + 4)..] : "";
        return (status, headers, headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(answer) : answer);
    }

    // The body of a chunked response: each chunk is its size in hex, CRLF, the data, CRLF; a zero size ends it.
    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = int.Parse(chunked.AsSpan(at, end - at), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            // Sizes count bytes; the bodies checked here are ASCII JSON, where bytes and chars agree.
            body.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }

        return body.ToString();
    }
}

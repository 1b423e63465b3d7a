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
        // Read as bytes: a chunk's size counts bytes, and a body may hold UTF-8 text of more than one byte a character.
        using var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(30));
        var bytes = received.ToArray();
        var split = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        var headers = Encoding.ASCII.GetString(split >= 0 ? bytes.AsSpan(0, split) : bytes);
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var answer = split >= 0 ? bytes.AsSpan(split + 4).ToArray() : [];
        return (status, headers, Encoding.UTF8.GetString(headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(answer) : answer));
    }

    // The body of a chunked response: each chunk is its size in hex, CRLF, the data, CRLF; a zero size ends it.
    private static byte[] Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var at = 0;
        while (at < chunked.Length)
        {
            var end = at + chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(chunked, at, end - at), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            body.Write(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }

        return body.ToArray();
    }
}

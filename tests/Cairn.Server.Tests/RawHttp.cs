using System.Net.Sockets;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>Sends bytes exactly as given over TCP, for requests that HttpClient would correct or refuse to send.</summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Head, string Body)> SendAsync(string address, string head, byte[]? body = null)
    {
        var uri = new Uri(address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (body is not null)
        {
            await stream.WriteAsync(body);
        }

        // Connection: close on every request, so the answer ends where the stream does.
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = split >= 0 ? text[..split] : text;
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, headers, split >= 0 ? text[(split + 4)..] : "");
    }
}

using System.Globalization;
using System.Net.Sockets;

namespace Cairn.Bench;

/// <summary>
/// <c>cairn-bench idle-connections --url URL --count N --ready FILE --hold-until FILE</c>: opens N TCP connections to
/// the server and sends nothing on them (as a crowd of stuck or malicious clients would), writes how many connected to
/// FILE once they are all attempted, holds them until the hold file exists, then closes them.
/// </summary>
internal static class IdleConnections
{
    public const string Usage = "usage: cairn-bench idle-connections --url http://HOST:PORT --count 5000 --ready FILE --hold-until FILE";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        Uri? url = null;
        var count = 5000;
        string? ready = null, hold = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--url": url = new Uri(Value()); break;
                case "--count": count = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--ready": ready = Value(); break;
                case "--hold-until": hold = Value(); break;
                default: throw new ArgumentException($"unknown option '{name}'.\n{Usage}");
            }
        }

        if (url is null || ready is null || hold is null || count <= 0)
        {
            throw new ArgumentException(Usage);
        }

        var sockets = new Socket?[count];
        var failed = 0;
        string? firstError = null;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(url.Host, url.Port, timeout.Token).ConfigureAwait(false);
                sockets[i] = socket;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, ex.Message, null);
            }
        }).ConfigureAwait(false);

        var connected = sockets.Count(s => s is not null);
        var summary = $"connected={connected} failed={failed}{(firstError is null ? "" : " first_error=" + firstError.Replace(' ', '_'))}";
        Console.WriteLine("idle-connections: " + summary);
        await File.WriteAllTextAsync(ready, summary + "\n", cancellationToken).ConfigureAwait(false);
        while (!File.Exists(hold))
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        // The connections the server closed meanwhile (a header timeout) read as end of stream: count them on the way out.
        var closedByServer = 0;
        foreach (var socket in sockets.OfType<Socket>())
        {
            if (socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
            {
                closedByServer++;
            }

            socket.Dispose();
        }

        Console.WriteLine($"idle-connections: closed {connected} ({closedByServer} had been closed by the server)");
        return 0;
    }
}

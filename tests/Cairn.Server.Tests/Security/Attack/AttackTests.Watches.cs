using System.Net.WebSockets;

namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task AWatchOnAForbiddenOrPartlyReadableRange_IsRefused_OverSseAndTheWebSocket()
    {
        // writer-a may read a/… only: b/… is forbidden; "a" as a prefix, [a/, b/), everything and "from a/" reach
        // beyond a/ (ab…, a0…, b…): partly readable, refused as etcd refuses them.
        using var writer = server.Http(Who.WriterA);
        foreach (var query in new[] { "key=b/secret", "key=b/&prefix=true", "key=a&prefix=true", "key=a/&end=b/", "key=&prefix=true", "key=a/&fromKey=true", "key=0&end=a/z", "key=/cairn/auth/&prefix=true" })
        {
            var answer = await AttackHttp.SendAsync(writer, "GET", "/v1/watch?" + query, stream: true);
            AttackHttp.AssertRefused(answer, Who.WriterA, $"writer-a's watch {query} ({server.Backend})");
        }

        var (socket, status) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(server.Token(Who.WriterA)));
        Assert.True(socket is not null, $"writer-a's watch WebSocket: the upgrade was answered {(int)status}");
        using (socket)
        {
            foreach (var create in new[] { """{"key":"b/secret"}""", """{"key":"a","prefix":true}""", """{"key":"a/","end":"b/"}""", """{"key":"","prefix":true}""", """{"key":"/cairn/auth/","prefix":true}""" })
            {
                await AttackHttp.SendJsonAsync(socket, """{"create":""" + create + "}");
                var answer = await AttackHttp.ReceiveAsync(socket);
                Assert.True(answer is { } refused && AttackMatrixTests.IsPermissionDenied(refused), $"writer-a's socket watch {create} ({server.Backend}) was answered {answer}, not permission_denied");
            }

            // Refusals end no other watch and not the socket: a permitted one is created on it.
            await AttackHttp.SendJsonAsync(socket, """{"create":{"key":"a/","prefix":true}}""");
            var created = await AttackHttp.ReceiveAsync(socket);
            Assert.True(created is { } c && c.TryGetProperty("created", out _), $"writer-a's permitted socket watch was answered {created}");
        }
    }

    [Fact]
    public async Task AWatchOnAPermittedPrefix_NeverCarriesAnEventOfAForbiddenKey()
    {
        var id = NewId();
        using var writer = server.Http(Who.WriterA);
        using var reader = server.Http(Who.Reader);
        using var writerSse = await SseStream.OpenAsync(writer, "/v1/watch?key=a/&prefix=true");
        using var readerSse = await SseStream.OpenAsync(reader, "/v1/watch?key=a/&prefix=true");
        var (socket, status) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(server.Token(Who.WriterA)));
        Assert.True(socket is not null, $"writer-a's watch WebSocket: the upgrade was answered {(int)status}");
        using var ws = socket;
        await AttackHttp.SendJsonAsync(ws, """{"create":{"key":"a/","prefix":true}}""");
        var created = await AttackHttp.ReceiveAsync(ws);
        Assert.True(created is { } c && c.TryGetProperty("created", out _), $"writer-a's socket watch on a/ was answered {created}");

        // Root writes keys next to a/ (b/…, ab…, a-…, a0…, and the auth keys: a user, a role, a token), then one in a/.
        await PutAsRootAsync($"b/w-{id}", "forbidden");
        await PutAsRootAsync($"ab-{id}", "forbidden");
        await PutAsRootAsync($"a-{id}", "forbidden");
        await PutAsRootAsync($"a0-{id}", "forbidden");
        using (var root = server.Http(Who.Root))
        {
            await AuthApi.AddRoleAsync(root, $"watched-{id}");
            await AuthApi.AddUserAsync(root, $"watched-{id}", SecureServer.NewPassword(), $"watched-{id}");
            await AuthApi.CreateTokenAsync(root, $"watched-{id}", "watched");
        }

        await PutAsRootAsync($"a/ok-{id}", "allowed");

        string[] forbidden = [$"b/w-{id}", $"ab-{id}", $"a-{id}", $"a0-{id}", "cairn/auth", $"watched-{id}"];
        foreach (var (who, stream) in new[] { ("writer-a", writerSse), ("reader", readerSse) })
        {
            var seen = new List<string>();
            while (!seen.Any(e => e.Contains($"a/ok-{id}", StringComparison.Ordinal)))
            {
                seen.Add((await stream.NextEventsAsync()).Data.GetRawText());
            }

            var leaked = seen.Where(e => forbidden.Any(f => e.Contains(f, StringComparison.Ordinal))).ToList();
            Assert.True(leaked.Count == 0, $"{who}'s watch on a/ ({server.Backend}) carried events of forbidden keys: {string.Join(" | ", leaked)}");
        }

        var messages = new List<string>();
        while (!messages.Any(m => m.Contains($"a/ok-{id}", StringComparison.Ordinal)))
        {
            var next = await AttackHttp.ReceiveAsync(ws) ?? throw new WebSocketException("The watch socket closed before the permitted event came.");
            messages.Add(next.GetRawText());
        }

        var leakedOnSocket = messages.Where(m => forbidden.Any(f => m.Contains(f, StringComparison.Ordinal))).ToList();
        Assert.True(leakedOnSocket.Count == 0, $"writer-a's socket watch on a/ ({server.Backend}) carried events of forbidden keys: {string.Join(" | ", leakedOnSocket)}");
    }
}

using System.Text;
using System.Text.Json;
using Cairn.Server.Hosting;

namespace Cairn.Server.Tests;

/// <summary>
/// The originals' clients, byte for byte, as another user than the server's: the journal seed's Python client
/// (requests_unixsocket, Debian's python3) on the journal's Unix socket with its default mode, and the framed input of
/// <c>cairn journal append --framed</c> on a main Unix listener opened with <c>?mode=0666</c>. The sockets are in a
/// directory every user may enter, as /tmp/journal.sock was for the seed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SeedClientTests(SeedClientFixture fixture) : IClassFixture<SeedClientFixture>
{
    /// <summary>The request id of the seed's example (a UUID).</summary>
    private const string SeedRequestId = "ac513125-0469-408d-b332-b8a0383870f9";

    // The seed's example client program, as its README gives it (journal_webserver.py's clients). Only the socket's
    // path in the URL is replaced, by SocketUrl.
    private const string SeedClient = """
        #! /usr/bin/env python

        import requests_unixsocket
        import requests
        import json
        requests_unixsocket.monkeypatch()

        if __name__ == '__main__':
            msg = {
                'user_id': 'user1',
                'resourcepk': None,
                'request_id': 'ac513125-0469-408d-b332-b8a0383870f9',
                'host': 'host1',
                'payload': None,
                'resourcegroup': 'cookbook',
                'transaction_id': 'c4f62dae-2c3a-417e-94f9-db43d86d4cd0',
                'cm': None,
                'step': 'begin',
                'date': '2017-6-13 16:47:55',
                'resource': 'cookbook/todo',
                'role': None,
                'authuser_id': 'user1',
                'verb': 'get'
            }
            url = 'http+unix://%2Ftmp%2Fjournal.sock/{0}/{1}'.format('ac513125-0469-408d-b332-b8a0383870f9', 'begin')
            r  = requests.post(url, json=msg, headers={"Accept": 'application/json', 'Content-Type': 'application/json'})
            print(r.status_code)
            print(r.content)

        """;

    // The seed's status call (GET /status/<id>), written as its example client is.
    private const string SeedStatus = """
        #! /usr/bin/env python

        import requests_unixsocket
        import requests
        requests_unixsocket.monkeypatch()

        if __name__ == '__main__':
            url = 'http+unix://%2Ftmp%2Fjournal.sock/status/{0}'.format('ac513125-0469-408d-b332-b8a0383870f9')
            r = requests.get(url)
            print(r.status_code)
            print(r.headers['Content-Type'])
            print(r.content)

        """;

    [Fact]
    public async Task TheSeedsPythonClient_AsAnotherUser_OnTheJournalSocket_Gets201_AndTheEntryIsInTheJournal()
    {
        await OtherUser.RequirePythonAsync();
        Assert.Equal(UnixSocketOptions.Shared, File.GetUnixFileMode(fixture.JournalSocket)); // the default, not set

        var post = await RunPythonAsync(SeedClient);

        Assert.True(post.Exit == 0, post.ToString());
        Assert.Equal(["201", "b''"], Lines(post.Stdout));
        using var http = fixture.Server.TcpHttp();
        var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + SeedRequestId)).RootElement;
        Assert.Equal("in-progress", request.GetProperty("state").GetString());
        Assert.Equal("cookbook/todo", request.GetProperty("fields").GetProperty("resource").GetString());
        Assert.Equal("get", request.GetProperty("steps")[0].GetProperty("message").GetProperty("verb").GetString());

        var status = await RunPythonAsync(SeedStatus);

        Assert.True(status.Exit == 0, status.ToString());
        var answer = Lines(status.Stdout);
        Assert.True(answer.Length == 3, status.ToString());
        Assert.Equal("202", answer[0]);
        Assert.StartsWith("application/json", answer[1], StringComparison.Ordinal);
        Assert.Equal("""b'{"status": "Task in progress"}'""", answer[2]);
    }

    [Fact]
    public async Task TheCliFramedInput_AsAnotherUser_OnAMainSocketWithMode0666_AppendsEveryFrame()
    {
        OtherUser.Require();
        var begun = Guid.NewGuid().ToString();
        var committed = Guid.NewGuid().ToString();
        var input = Framed(SeedMessage(begun, "begin"), SeedMessage(committed, "begin"), SeedMessage(committed, "commit"));

        var append = await OtherUser.RunAsync(
            ["dotnet", Path.Combine(AppContext.BaseDirectory, "cairn.dll"), "journal", "append", "--framed", "--endpoint", "unix:" + fixture.MainSocket],
            input);

        Assert.True(append.Exit == 0, append.ToString());
        var lines = Lines(append.Stdout);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"created {begun}/begin rev ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"created {committed}/begin rev ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"created {committed}/commit rev ", lines[2], StringComparison.Ordinal);
        using var http = fixture.Server.TcpHttp();
        Assert.Equal("in-progress", JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + begun)).RootElement.GetProperty("state").GetString());
        Assert.Equal("committed", JsonDocument.Parse(await http.GetStringAsync("/v1/journal/" + committed)).RootElement.GetProperty("state").GetString());
    }

    private async Task<OtherUser.Result> RunPythonAsync(string program)
    {
        // The seed's URL names /tmp/journal.sock; the test's socket is elsewhere (another run may be on this machine).
        var script = fixture.Open[$"client-{Guid.NewGuid():N}.py"];
        await File.WriteAllTextAsync(script, program.Replace("%2Ftmp%2Fjournal.sock", Uri.EscapeDataString(fixture.JournalSocket), StringComparison.Ordinal));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return await OtherUser.RunAsync([OtherUser.Python, script]);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    // A message as the seed's clients write them, of request txid (a UUID, as theirs are).
    private static string SeedMessage(string txid, string step) =>
        $$"""{"user_id": "user1", "resourcepk": null, "request_id": "{{txid}}", "host": "host1", "payload": null, "resourcegroup": "cookbook", "transaction_id": "{{Guid.NewGuid()}}", "cm": null, "step": "{{step}}", "date": "2017-6-13 16:47:55", "resource": "cookbook/todo", "role": null, "authuser_id": "user1", "verb": "get"}""";

    // The framed format: a 4-byte big-endian length, then that many bytes of one JSON message.
    private static byte[] Framed(params string[] messages)
    {
        using var frames = new MemoryStream();
        foreach (var message in messages)
        {
            var body = Encoding.UTF8.GetBytes(message);
            var length = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, (uint)body.Length);
            frames.Write(length);
            frames.Write(body);
        }

        return frames.ToArray();
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Tests;

/// <summary>
/// The mode, owner and group of every Unix listener's socket (<c>unix:PATH?mode=…&amp;owner=…&amp;group=…</c>): the
/// journal's is open to every user by default, the others are private, and a socket is at its path only with the mode,
/// owner and group it was given.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SocketModeTests : IDisposable
{
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupRw = UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    // The servers' data directories, in the test run's (private) temp directory.
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cairn-socket-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task TheJournalSocket_IsSrwRwRw_AsSoonAsTheServerHasStarted_AndTheMainOneStaysPrivate()
    {
        using var open = new OpenDirectory("modes");
        var server = await StartAsync(new()
        {
            ["Listen:1"] = "unix:" + open["cairn.sock"],
            ["Journal:Listen:0"] = "unix:" + open["journal.sock"],
            ["Pulzar:Listen:0"] = "unix:" + open["pulzar.sock"],
        });
        await using (server)
        {
            Assert.StartsWith("srw-rw-rw- ", await StatAsync(open["journal.sock"]), StringComparison.Ordinal);
            Assert.StartsWith("srwx------ ", await StatAsync(open["cairn.sock"]), StringComparison.Ordinal);
            Assert.StartsWith("srwx------ ", await StatAsync(open["pulzar.sock"]), StringComparison.Ordinal);

            // Kestrel reports, logs and publishes the socket's own path, not where it was bound first.
            Assert.Contains("unix:" + open["cairn.sock"], server.Addresses);
            Assert.Equal(["unix:" + open["journal.sock"]], server.CompatAddresses("journal"));
            Assert.Equal(["cairn.sock", "journal.sock", "pulzar.sock"], Entries(open.Path));
        }

        // Removed on shutdown, as before.
        Assert.Empty(Entries(open.Path));
    }

    [Fact]
    public async Task ModeOwnerAndGroup_AreExactlyTheListeners_ByNameOrNumber_AndDecideWhoConnects()
    {
        OtherUser.Require();
        using var open = new OpenDirectory("modes");
        var server = await StartAsync(new()
        {
            ["Listen:1"] = $"unix:{open["group.sock"]}?mode=0660&group=users",
            ["Listen:2"] = $"unix:{open["owner.sock"]}?owner=nobody&group=65534&mode=600",
            ["Journal:Listen:0"] = $"unix:{open["journal.sock"]}?mode=0640&group=100",
        });
        await using (server)
        {
            Assert.Equal("srw-rw---- root users", await StatAsync(open["group.sock"]));
            Assert.Equal("srw------- nobody nogroup", await StatAsync(open["owner.sock"]));
            Assert.Equal("srw-r----- root users", await StatAsync(open["journal.sock"]));

            // Connecting needs write permission: a member of the group may, another user may not.
            var member = await OtherUser.RunAsync(Curl(open["group.sock"], "/healthz"), group: "users");
            Assert.True(member.Stdout == "200", member.ToString());
            var stranger = await OtherUser.RunAsync(Curl(open["group.sock"], "/healthz"));
            Assert.True(stranger.Stdout == "000" && stranger.Exit == 7, stranger.ToString()); // curl: couldn't connect
            var owner = await OtherUser.RunAsync(Curl(open["owner.sock"], "/healthz"));
            Assert.True(owner.Stdout == "200", owner.ToString());
            var readOnly = await OtherUser.RunAsync(Curl(open["journal.sock"], "/status/" + Guid.NewGuid()), group: "users");
            Assert.True(readOnly.Stdout == "000" && readOnly.Exit == 7, readOnly.ToString()); // r without w: no connection
        }
    }

    [Fact]
    public async Task APulzarUnixListenerWithMode0666_ServesTheSeedsCurlLines_ToAnotherUser()
    {
        OtherUser.Require();
        using var open = new OpenDirectory("pulzar");
        var server = await StartAsync(new() { ["Pulzar:Listen:0"] = $"unix:{open["pulzar.sock"]}?mode=0666" });
        await using (server)
        {
            var file = open["conf-1.bin"];
            await File.WriteAllBytesAsync(file, [1, 2, 3, 4, 5]);
            File.SetUnixFileMode(file, Rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            // curl -X PUT -L -T /path/to/file http://master:[port]/add_key/{key}, over the socket (a socket has no host name: localhost).
            var add = await OtherUser.RunAsync(["curl", "-s", "-w", "%{http_code}", "--unix-socket", open["pulzar.sock"], "-X", "PUT", "-L", "-T", file, "http://localhost/add_key/seed/conf-1.bin"]);
            Assert.True(add.Stdout.EndsWith("201", StringComparison.Ordinal), add.ToString());

            // curl -X GET -L http://master:[port]/get_key/{key}
            var get = await OtherUser.RunAsync(["curl", "-s", "--unix-socket", open["pulzar.sock"], "-X", "GET", "-L", "http://localhost/get_key/seed/conf-1.bin"]);
            Assert.True(get.Exit == 0 && get.Stdout == "\u0001\u0002\u0003\u0004\u0005", get.ToString());
        }
    }

    [Fact]
    public async Task TheSocket_NeverAppearsAtItsPath_WithAnotherMode_WhileTheServerStarts()
    {
        // Best effort: a thread looks at the path as fast as it can while servers start. A socket bound in place and
        // chmod-ed afterwards would be seen for a moment as srwx------ (the umask's), or srw-rw-rw- (the default).
        OtherUser.Require(); // root, to give the socket group users
        using var open = new OpenDirectory("atomic");
        var path = open["journal.sock"];
        const UnixFileMode Wanted = Rw | UnixFileMode.GroupRead; // 0640: neither the umask's nor a default
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<UnixFileMode, int>();
        var looks = 0;
        for (var round = 0; round < 5; round++)
        {
            using var stop = new CancellationTokenSource();
            var watcher = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        seen.AddOrUpdate(File.GetUnixFileMode(path), 1, (_, n) => n + 1);
                    }
                    catch (FileNotFoundException)
                    {
                    }

                    looks++;
                }
            })
            { IsBackground = true };
            watcher.Start();
            var server = await StartAsync(new() { ["Journal:Listen:0"] = $"unix:{path}?mode=0640&group=users" });
            await Eventually.UntilAsync(() => seen.ContainsKey(Wanted), TimeSpan.FromSeconds(10), "the watcher has seen the socket");
            stop.Cancel();
            watcher.Join();
            await server.DisposeAsync();
        }

        Assert.True(seen.Keys.SequenceEqual([Wanted]), $"After {looks} looks the socket was seen as: {string.Join(", ", seen.Select(s => $"0{Convert.ToString((int)s.Key, 8)} ({s.Value}x)"))}");
        Assert.Empty(Entries(open.Path)); // and no private directory is left beside it
    }

    [Fact]
    public async Task KestrelsSocketTransport_AcceptsOnTheBoundSocket_WithoutBindingItAgain()
    {
        using var open = new OpenDirectory("handle");
        var path = open["k.sock"];
        var sockets = new Dictionary<string, UnixSocketOptions> { [path] = new(Rw | GroupRw, null, null) };
        var factory = new UnixSocketTransportFactory(sockets, Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var endpoint = new UnixDomainSocketEndPoint(path);
        Assert.True(factory.CanBind(endpoint));
        Assert.False(factory.CanBind(new UnixDomainSocketEndPoint(open["other.sock"])));
        Assert.False(factory.CanBind(new IPEndPoint(IPAddress.Loopback, 0)));

        // Binding again would fail: the socket file is at the path before Kestrel's transport gets the handle.
        var listener = await factory.BindAsync(endpoint);
        try
        {
            Assert.Equal(path, listener.EndPoint.ToString());
            Assert.Equal(Rw | GroupRw, File.GetUnixFileMode(path));
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(endpoint);
            var accepted = await listener.AcceptAsync();
            Assert.NotNull(accepted);
            await using var connection = accepted;
            await client.SendAsync("ping"u8.ToArray());
            var read = await connection.Transport.Input.ReadAsync();
            Assert.Equal("ping"u8.ToArray(), read.Buffer.ToArray());
        }
        finally
        {
            await listener.UnbindAsync();
            await listener.DisposeAsync();
        }

        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("Listen:1", "?mode=999")]
    [InlineData("Listen:1", "?mode=01777")]
    [InlineData("Listen:1", "?mode=rw-rw-rw-")]
    [InlineData("Journal:Listen:0", "?owner=no-such-user-of-cairn")]
    [InlineData("Journal:Listen:0", "?group=no-such-group-of-cairn")]
    [InlineData("Journal:Listen:0", "?colour=blue")]
    [InlineData("Pulzar:Listen:0", "?mode=0600&mode=0666")]
    [InlineData("Pulzar:Listen:0", "?mode=")]
    public async Task ABadSocketOption_IsAOneLineStartupError_ThatNamesTheListener(string setting, string options)
    {
        using var open = new OpenDirectory("bad");
        var listener = $"unix:{open["x.sock"]}{options}";

        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { [setting] = listener }));

        Assert.Contains($"'{listener}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Entries(open.Path));
    }

    [Fact]
    public async Task OptionsOnATcpListener_AreAStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { ["Listen:0"] = "http://127.0.0.1:0?mode=0666" }));

        Assert.Contains("only a Unix listener takes options", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeadServersSocket_IsReplaced_WithTheModeGiven()
    {
        using var open = new OpenDirectory("dead");
        var path = open["journal.sock"];
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // A socket file nobody listens on any more (moved away from where .NET would remove it on Dispose).
            dead.Bind(new UnixDomainSocketEndPoint(open["bound.sock"]));
            File.Move(open["bound.sock"], path);
        }

        var server = await StartAsync(new() { ["Journal:Listen:0"] = $"unix:{path}?mode=0660" });
        await using (server)
        {
            Assert.Equal(Rw | GroupRw, File.GetUnixFileMode(path));
            using var http = ServerFixture.UnixHttpClient(path);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/status/" + Guid.NewGuid())).StatusCode);
        }
    }

    [Fact]
    public async Task TheSameSocketPathTwice_IsAStartupError()
    {
        using var open = new OpenDirectory("twice");
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new()
        {
            ["Journal:Listen:0"] = "unix:" + open["j.sock"],
            ["Journal:Listen:1"] = $"unix:{open["j.sock"]}?mode=0600",
        }));

        Assert.Contains("given twice", error.Message, StringComparison.Ordinal);
    }

    // A server on a TCP port and the listeners given, with a data directory of its own.
    private Task<CairnServer> StartAsync(Dictionary<string, string?> listeners)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(_data, Guid.NewGuid().ToString("N")[..8]),
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in listeners)
        {
            settings[key] = value;
        }

        return CairnServer.StartAsync([], settings);
    }

    private static string[] Curl(string socket, string path) =>
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", socket, "http://localhost" + path];

    private static string[] Entries(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    // As ls -l shows it: mode, owner, group.
    private static async Task<string> StatAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%A %U %G", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        Assert.True(stat.ExitCode == 0, $"stat {path}: {await stat.StandardError.ReadToEndAsync()}");
        return output.Trim();
    }
}

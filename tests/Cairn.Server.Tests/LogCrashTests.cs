using System.Collections.Concurrent;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// The embedded log backend under kill -9: a real <c>cairn serve --backend log</c>, 64 writers, killed at a random point
/// three times over; after every restart each write that was answered is there with the revision it was answered with,
/// no two answered writes share a revision, and the next write takes a revision above all of them.
/// </summary>
public sealed class LogCrashTests : IDisposable
{
    private static readonly Dictionary<string, string> LogBackend = new() { ["CAIRN_BACKEND"] = "log" };

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-logcrash-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigkill_AtRandomPointsUnder64Writers_LosesNoAnsweredWrite_AndNeverReusesARevision()
    {
        Directory.CreateDirectory(_dataDir);
        var answered = new ConcurrentDictionary<string, (string Value, long Revision)>();
        var random = new Random();
        for (var round = 0; round < 3; round++)
        {
            var killAfter = answered.Count + random.Next(200, 3000);
            using var server = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60), LogBackend);
            await AssertAllAnsweredWritesAsync(server, answered);
            using var stop = new CancellationTokenSource();
            var reached = new TaskCompletionSource();

            async Task WriterAsync(int writer)
            {
                using var http = ServerFixture.UnixHttpClient(server.SocketPath);
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var key = $"crash/{round}/{writer:D2}/{n:D6}";
                    var value = $"{round}-{writer}-{n}";
                    try
                    {
                        var response = await http.PutAsync("/v1/kv/" + key, new StringContent(value));
                        if (!response.IsSuccessStatusCode)
                        {
                            continue;
                        }

                        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        answered[key] = (value, body.RootElement.GetProperty("revision").GetInt64());
                        if (answered.Count >= killAfter)
                        {
                            reached.TrySetResult();
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                    {
                        return; // the server is gone; an unanswered write may or may not be there
                    }
                }
            }

            var writers = Enumerable.Range(0, 64).Select(w => Task.Run(() => WriterAsync(w))).ToArray();
            await reached.Task.WaitAsync(TimeSpan.FromSeconds(180));
            server.KillHard(); // while the writers are writing
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
        }

        using var last = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60), LogBackend);
        await AssertAllAnsweredWritesAsync(last, answered);
        var revisions = answered.Values.Select(write => write.Revision).ToList();
        Assert.Equal(revisions.Count, revisions.Distinct().Count());
        using var http = ServerFixture.UnixHttpClient(last.SocketPath);
        var next = await http.PutAsync("/v1/kv/crash/after", new StringContent("x"));
        using var nextBody = JsonDocument.Parse(await next.Content.ReadAsStringAsync());
        Assert.True(nextBody.RootElement.GetProperty("revision").GetInt64() > revisions.Max(), last.Output);
    }

    private static async Task AssertAllAnsweredWritesAsync(ServerProcess server, ConcurrentDictionary<string, (string Value, long Revision)> answered)
    {
        using var http = ServerFixture.UnixHttpClient(server.SocketPath);
        var wrong = new List<string>();
        foreach (var (key, (value, revision)) in answered)
        {
            var response = await http.GetAsync("/v1/kv/" + key);
            if (!response.IsSuccessStatusCode)
            {
                wrong.Add($"{key}: {(int)response.StatusCode}");
                continue;
            }

            var modRevision = response.Headers.GetValues("Cairn-Mod-Revision").Single();
            if (await response.Content.ReadAsStringAsync() != value || modRevision != revision.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                wrong.Add($"{key}: mod revision {modRevision}, answered {revision}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {answered.Count} answered writes are missing or changed, e.g. {string.Join("; ", wrong.Take(5))}{Environment.NewLine}{server.Output}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

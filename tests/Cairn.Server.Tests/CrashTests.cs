using System.Collections.Concurrent;

namespace Cairn.Server.Tests;

public sealed class CrashTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-crash-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigkill_Under64ClientWriteLoad_LosesNoAcknowledgedWrite()
    {
        Directory.CreateDirectory(_dataDir);
        var acknowledged = new ConcurrentDictionary<string, string>();
        using (var server = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60)))
        {
            using var stop = new CancellationTokenSource();
            var reachedLoad = new TaskCompletionSource();

            async Task WriterAsync(int writer)
            {
                using var http = ServerFixture.UnixHttpClient(server.SocketPath);
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var key = $"crash/{writer:D2}/{n:D6}";
                    var value = $"{writer}-{n}";
                    try
                    {
                        var response = await http.PutAsync("/v1/kv/" + key, new StringContent(value));
                        if (response.IsSuccessStatusCode)
                        {
                            acknowledged[key] = value;
                            if (acknowledged.Count >= 3000)
                            {
                                reachedLoad.TrySetResult();
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            }

            var writers = Enumerable.Range(0, 64).Select(w => Task.Run(() => WriterAsync(w))).ToArray();
            await reachedLoad.Task.WaitAsync(TimeSpan.FromSeconds(120));

            server.KillHard(); // while the 64 writers are still writing
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
        }

        using var restarted = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60));
        using var reader = ServerFixture.UnixHttpClient(restarted.SocketPath);
        var missing = new List<string>();
        foreach (var (key, value) in acknowledged)
        {
            var response = await reader.GetAsync("/v1/kv/" + key);
            if (!response.IsSuccessStatusCode || await response.Content.ReadAsStringAsync() != value)
            {
                missing.Add(key);
            }
        }

        Assert.True(acknowledged.Count >= 3000);
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes were lost, e.g. {string.Join(", ", missing.Take(5))}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

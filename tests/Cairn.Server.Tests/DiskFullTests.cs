using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// A real full disk: the data directory on a 24 MiB tmpfs, filled through the API by a real <c>cairn serve</c> and then
/// by another program's file. Writes that add data get 507 (kv and blobs) before the disk is full; a kill -9 and a
/// restart on the full disk start read-only and serve reads; deletes and compaction free room, and writes resume without
/// a restart. Mounting needs
/// root (<c>./test.sh</c> runs as root).
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "cairn-full-" + Guid.NewGuid().ToString("N")[..8]);

    public DiskFullTests()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test mounts a small tmpfs and needs root (./test.sh runs as root).");
        Directory.CreateDirectory(_mount);
        Run("mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", _mount);
    }

    private string DataDir => Path.Combine(_mount, "data");

    // Blobs check their own free-space floor first (Volumes:MinFreeBytes, 64 MiB by default: more than this disk);
    // a small one lets them reach the store's alarm, which is what is tested here.
    private static readonly Dictionary<string, string> Settings = new() { ["CAIRN_VOLUMES__MINFREEBYTES"] = "1048576" };

    [Fact]
    public async Task AFullDisk_Refuses507_SurvivesKill9_StartsReadOnly_AndWritesResumeOnceSpaceIsFreed()
    {
        var value = RandomNumberGenerator.GetBytes(256 * 1024);
        var written = new List<string>();
        using (var server = await ServerProcess.StartAsync(DataDir, TimeSpan.FromSeconds(60), Settings))
        {
            using var http = ServerFixture.UnixHttpClient(server.SocketPath);
            // Fill through the API until refused, and until the store has given back its write-ahead log (the alarm
            // makes it checkpoint and truncate the log; the room that frees may let a few more writes in).
            var wal = Path.Combine(DataDir, "cairn.db-wal");
            for (var round = 0; ; round++)
            {
                HttpResponseMessage? refused = null;
                for (var i = 0; i < 200 && refused is null; i++)
                {
                    var key = $"full/{written.Count:D4}";
                    var put = await http.PutAsync("/v1/kv/" + key, new ByteArrayContent(value));
                    if (put.IsSuccessStatusCode)
                    {
                        written.Add(key);
                    }
                    else
                    {
                        refused = put;
                    }
                }

                Assert.True(refused is not null, "24 MiB took 200 puts of 256 KiB; the store never said it was full");
                await Problems.AssertAsync(refused, HttpStatusCode.InsufficientStorage, "insufficient_storage");
                var free = new DriveInfo(_mount).AvailableFreeSpace;
                Assert.True(free > 0, $"the alarm should trip before the disk is full; {written.Count} puts; {Files()}; server output:{Environment.NewLine}{server.Output}");
                var ready = false;
                await Eventually.UntilAsync(
                    async () => new FileInfo(wal).Length == 0 || (ready = (await http.GetAsync("/readyz")).IsSuccessStatusCode),
                    TimeSpan.FromSeconds(30),
                    $"the store truncates its log or accepts writes again; {Files()}");
                if (!ready && !(await http.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    break;
                }

                Assert.True(round < 20, $"the disk never stayed full; {Files()}");
            }

            // Something else fills the disk up to 3 MiB from full (logs, another program), under the 4 MiB the store
            // keeps free on a disk this size: the store's own log, once checkpointed, gives back no room that way.
            // The server sees room taken by others at its next look at the disk (its own writes it counts as it makes
            // them), so the test waits for that look before it expects the refusals: on a loaded machine a put sent at
            // once may still find the room the last look saw.
            FillDisk(leave: 3 << 20);
            await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "/readyz says the server does not accept writes");
            await Problems.AssertAsync(await http.PutAsync("/v1/blobs/full/blob", new ByteArrayContent(value)), HttpStatusCode.InsufficientStorage, "insufficient_storage");
            await Problems.AssertAsync(await http.PutAsync("/v1/kv/full/more", new ByteArrayContent(value)), HttpStatusCode.InsufficientStorage, "insufficient_storage");
            server.KillHard();
        }

        using var restarted = await ServerProcess.StartAsync(DataDir, TimeSpan.FromSeconds(60), Settings);
        using var client = ServerFixture.UnixHttpClient(restarted.SocketPath);
        foreach (var key in written)
        {
            Assert.Equal(value, await client.GetByteArrayAsync("/v1/kv/" + key));
        }

        await Problems.AssertAsync(await client.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable, "unavailable");
        using (var health = JsonDocument.Parse(await client.GetStringAsync("/healthz")))
        {
            Assert.Equal("NOSPACE", health.RootElement.GetProperty("alarms")[0].GetProperty("name").GetString());
        }

        await Problems.AssertAsync(await client.PutAsync("/v1/kv/full/more", new ByteArrayContent(value)), HttpStatusCode.InsufficientStorage, "insufficient_storage");

        var deleted = await client.DeleteAsync("/v1/kv/full/?prefix=true");
        Assert.True(deleted.IsSuccessStatusCode, $"{deleted.StatusCode}: {await deleted.Content.ReadAsStringAsync()}; free {new DriveInfo(_mount).AvailableFreeSpace}; {Files()}; server output:{Environment.NewLine}{restarted.Output}");
        using var status = JsonDocument.Parse(await client.GetStringAsync("/v1/status"));
        var revision = status.RootElement.GetProperty("revision").GetInt64();
        var compact = await client.PostAsync("/v1/compact", new StringContent($$"""{"revision":{{revision}}}""", Encoding.UTF8, "application/json"));
        Assert.True(compact.IsSuccessStatusCode, await compact.Content.ReadAsStringAsync());

        await Eventually.UntilAsync(async () => (await client.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), $"/readyz is ready after deleting and compacting; server output:{Environment.NewLine}{restarted.Output}");
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/v1/kv/full/after", new ByteArrayContent(value))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/v1/blobs/full/after", new ByteArrayContent(value))).StatusCode);
    }

    [Fact]
    public async Task ADiskFilledToTheLastByteByAnotherProgram_StillTakesDeletesAndCompaction()
    {
        using var server = await ServerProcess.StartAsync(DataDir, TimeSpan.FromSeconds(60), Settings);
        using var http = ServerFixture.UnixHttpClient(server.SocketPath);
        var value = RandomNumberGenerator.GetBytes(64 * 1024);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/v1/kv/last/{i:D2}", new ByteArrayContent(value))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/v1/blobs/last/blob", new ByteArrayContent(value))).StatusCode);
        var reserve = Path.Combine(DataDir, "cairn.reserve");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(reserve)), TimeSpan.FromSeconds(30), $"the server reserves room beside its store; {Files()}");

        // The server's own checkpoints may still be writing (or give a truncated log back): fill until nothing more fits.
        for (var round = 0; new DriveInfo(_mount).AvailableFreeSpace > 0; round++)
        {
            Assert.True(round < 50, $"the disk could not be filled; {Files()}");
            FillDisk(leave: 0, name: $"filler{round}");
        }

        var deleted = await http.DeleteAsync("/v1/kv/last/00");
        Assert.True(deleted.IsSuccessStatusCode, $"a kv DELETE on a full disk: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}; {Files()}; server output:{Environment.NewLine}{server.Output}");
        var blob = await http.DeleteAsync("/v1/blobs/last/blob");
        Assert.True(blob.IsSuccessStatusCode, $"a blob DELETE on a full disk: {(int)blob.StatusCode} {await blob.Content.ReadAsStringAsync()}");
        var range = await http.DeleteAsync("/v1/kv/last/?prefix=true");
        Assert.True(range.IsSuccessStatusCode, $"a prefix DELETE on a full disk: {(int)range.StatusCode} {await range.Content.ReadAsStringAsync()}");
        using (var status = JsonDocument.Parse(await http.GetStringAsync("/v1/status")))
        {
            var revision = status.RootElement.GetProperty("revision").GetInt64();
            var compact = await http.PostAsync("/v1/compact", new StringContent($$"""{"revision":{{revision}}}""", Encoding.UTF8, "application/json"));
            Assert.True(compact.IsSuccessStatusCode, $"compaction on a full disk: {await compact.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/kv/last/05")).StatusCode);

        // The other program's files go: writes resume without a restart, and the room is reserved again.
        foreach (var filler in Directory.GetFiles(_mount, "filler*"))
        {
            File.Delete(filler);
        }
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), $"/readyz is ready once the disk has room; server output:{Environment.NewLine}{server.Output}");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/v1/kv/last/after", new ByteArrayContent(value))).StatusCode);
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(reserve)), TimeSpan.FromSeconds(30), $"the reserve is made again; {Files()}");
    }

    private string Files() =>
        string.Join(", ", Directory.GetFiles(_mount, "*", SearchOption.AllDirectories).Select(f => $"{Path.GetRelativePath(_mount, f)} {new FileInfo(f).Length}"));

    // Writes a file that takes all but about `leave` bytes of the disk (the store may still be checkpointing); with
    // leave 0, every byte: 64 KiB at a time, then 4 KiB (tmpfs hands out pages).
    private void FillDisk(long leave, string name = "filler")
    {
        using var filler = new FileStream(Path.Combine(_mount, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var size in new[] { 64 * 1024, 4096 })
        {
            var chunk = new byte[size];
            try
            {
                while (leave == 0 || new DriveInfo(_mount).AvailableFreeSpace > leave + chunk.Length)
                {
                    filler.Write(chunk);
                }
            }
            catch (IOException)
            {
                // Full: the store took the rest meanwhile, or this chunk does not fit; a smaller one may.
            }

            if (leave != 0)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    private static void Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }
}

using System.Diagnostics;
using System.Text;
using Cairn.Core;

namespace Cairn.Storage.Log.Tests;

/// <summary>The embedded log backend as a store: state across reopen and snapshots, a torn tail, a disk that fills.</summary>
public sealed class LogKeyspaceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static Task<IKeyspace> OpenAsync(string directory, long snapshotEvery = 10_000) =>
        LogKeyspace.OpenAsync(new LogKeyspaceOptions { Directory = directory, SnapshotEvery = snapshotEvery, SegmentBytes = 8192 });

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task KeysRevisionsAndHistory_SurviveAReopen_FromSnapshotsAndTheLogAfterThem()
    {
        var directory = Path.Combine(_dir.Path, "log");
        long lastRevision;
        await using (var store = await OpenAsync(directory, snapshotEvery: 7))
        {
            for (var i = 0; i < 100; i++)
            {
                await store.PutAsync(Put($"k/{i % 10}", $"v{i}"));
            }

            lastRevision = (await store.DeleteAsync(new DeleteRequest(KeyRange.Single("k/0")))).Revision;
        }

        Assert.NotEmpty(Directory.GetFiles(directory, "snap-*.snap"));
        await using (var store = await OpenAsync(directory, snapshotEvery: 7))
        {
            var range = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")));
            Assert.Equal(lastRevision, range.Revision);
            Assert.Equal(9, range.Kvs.Count);
            Assert.Equal("v99", Encoding.UTF8.GetString(range.Kvs.Single(kv => kv.Key == "k/9").Value.Span));
            Assert.Equal(10, range.Kvs.Single(kv => kv.Key == "k/9").Version);

            // History from before the reopen is still readable, and new writes take the next revisions.
            var old = await store.RangeAsync(new RangeRequest(KeyRange.Single("k/0")) { Revision = lastRevision - 1 });
            Assert.Equal("v90", Encoding.UTF8.GetString(Assert.Single(old.Kvs).Value.Span));
            Assert.Equal(lastRevision + 1, (await store.PutAsync(Put("k/new", "after"))).Revision);
        }
    }

    [Fact]
    public async Task ATornTail_LosesNoConfirmedWrite_AndItsRevisionIsNotSkipped()
    {
        var directory = Path.Combine(_dir.Path, "log");
        long lastRevision;
        await using (var store = await OpenAsync(directory))
        {
            for (var i = 0; i < 20; i++)
            {
                lastRevision = (await store.PutAsync(Put($"t/{i}", "confirmed"))).Revision;
            }

            lastRevision = (await store.PutAsync(Put("t/last", "confirmed"))).Revision;
        }

        // What a crash mid-append leaves: half a frame header's worth of a next record.
        var segment = Directory.GetFiles(directory, "wal-*.log").Order(StringComparer.Ordinal).Last();
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            await file.WriteAsync(new byte[] { 0x40, 0, 0, 0, 0xde, 0xad, 0xbe });
        }

        await using (var store = await OpenAsync(directory))
        {
            var range = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("t/")));
            Assert.Equal(21, range.Kvs.Count);
            Assert.Equal(lastRevision, range.Revision);
            Assert.Equal(lastRevision + 1, (await store.PutAsync(Put("t/next", "x"))).Revision);
        }
    }

    [Fact]
    public async Task ADiskThatFills_FailsWritesAsUnavailable_WhileReadsGoOn()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test mounts a small tmpfs and needs root (./test.sh runs as root).");
        var mount = Path.Combine(_dir.Path, "small");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount);
        try
        {
            var confirmed = new Dictionary<string, string>();
            var value = new string('v', 16 * 1024);
            await using var store = await OpenAsync(Path.Combine(mount, "log"));
            UnavailableException? refused = null;
            for (var i = 0; i < 1000 && refused is null; i++)
            {
                try
                {
                    await store.PutAsync(Put($"fill/{i:D4}", value));
                    confirmed[$"fill/{i:D4}"] = value;
                }
                catch (UnavailableException ex)
                {
                    refused = ex;
                }
            }

            Assert.NotNull(refused);
            Assert.Contains("cannot be written", refused.Message, StringComparison.Ordinal);
            Assert.NotEmpty(confirmed);

            // Writes stay refused (the log does not trust what it wrote after a failed write); reads are served.
            await Assert.ThrowsAsync<UnavailableException>(async () => await store.PutAsync(Put("small", "x")));
            var range = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("fill/")));
            Assert.Equal(confirmed.Count, range.Kvs.Count);
            Assert.All(range.Kvs, kv => Assert.Equal(value, Encoding.UTF8.GetString(kv.Value.Span)));
            Assert.Equal(confirmed.Count, (await store.StatusAsync()).KeyCount);
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {error}");
    }

    public void Dispose() => _dir.Dispose();
}

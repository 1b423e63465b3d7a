using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>
/// Export survives a real SIGKILL of <c>cairn serve</c> in the middle of a pass: after a restart and further passes,
/// every appended step is in exactly one export file, every file is a complete gzip, no temporary file is left and
/// the status of exported requests still answers.
/// </summary>
public sealed partial class JournalExportKillTests(ITestOutputHelper output) : IDisposable
{
    // 1500 requests make 50 segments of 30 (the default SegmentMaxRequests; at most 31 fit a store txn), so 50 files:
    // enough for the pass to take a while after its first file, small enough to append in a few seconds.
    private const int Requests = 1500;
    private const int Writers = 64;
    private const string Header = "transaction_id,request_id,step,host,resource,verb,pk,date,user_id,authuser_id,role,cm,payload";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-killexport-" + Guid.NewGuid().ToString("N")[..8]);

    private string ExportDir => Path.Combine(_dataDir, "journal-export");

    [Fact]
    public async Task Sigkill_DuringExport_NoRowLostOrDuplicated_AndStatusStillAnswers()
    {
        Directory.CreateDirectory(_dataDir);
        var environment = new Dictionary<string, string>
        {
            ["CAIRN_JOURNAL__FOLDAGE"] = "00:00:00",
            // Only the test runs passes: the background one must not run (or race) at all.
            ["CAIRN_JOURNAL__EXPORTINTERVAL"] = "1.00:00:00",
        };
        var run = Guid.NewGuid().ToString("N")[..8];
        var txids = Enumerable.Range(0, Requests).Select(i => $"kill-{run}-{i:D5}").ToList();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var bytesAtKill = new Dictionary<string, byte[]>();
        int filesAtKill;
        bool exportFinishedBeforeKill;
        using (var server = await ServerProcess.StartAsync(_dataDir, StartDeadline, environment))
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: started");
            await AppendAllAsync(server.SocketPath, txids);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: appended {Requests} requests");

            // Watch for the first export file (renamed into place from its temporary) before starting the pass.
            Directory.CreateDirectory(ExportDir);
            var firstFile = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var watcher = new FileSystemWatcher(ExportDir) { NotifyFilter = NotifyFilters.FileName, IncludeSubdirectories = false };
            watcher.Created += (_, e) => SeenFile(e.Name);
            watcher.Renamed += (_, e) => SeenFile(e.Name);
            watcher.EnableRaisingEvents = true;

            void SeenFile(string? name)
            {
                if (name is not null && ExportName().IsMatch(name))
                {
                    firstFile.TrySetResult();
                }
            }

            // The pass folds all the requests first (50 txns), then writes the 50 files in order: the kill is meant
            // to land among the writes. It is not awaited: the server dies under it.
            using var exportHttp = ServerFixture.UnixHttpClient(server.SocketPath);
            var export = exportHttp.PostAsync("/v1/admin/journal/export", null);
            await Task.WhenAny(firstFile.Task, export).WaitAsync(TimeSpan.FromSeconds(20));

            exportFinishedBeforeKill = export.IsCompleted;
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: killing pid {server.Pid}");
            server.KillHard(); // SIGKILL to the child's pid: no shutdown hooks, no flush
            try
            {
                using var answer = await export;
                Assert.True(!exportFinishedBeforeKill || answer.StatusCode == HttpStatusCode.OK, $"export before the kill: {(int)answer.StatusCode}");
            }
            catch (HttpRequestException) when (!exportFinishedBeforeKill)
            {
                // The server died under the request: expected.
            }

            // Whatever was renamed into place before the kill is already complete (it was fsynced before the rename).
            var atKill = Directory.GetFiles(ExportDir).Select(Path.GetFileName).ToList();
            filesAtKill = atKill.Count(n => ExportName().IsMatch(n!));
            output.WriteLine($"at kill: {filesAtKill} export files, {atKill.Count - filesAtKill} other entries ({string.Join(", ", atKill.Where(n => !ExportName().IsMatch(n!)))}); export finished before kill: {exportFinishedBeforeKill}");
            foreach (var name in atKill.Where(n => ExportName().IsMatch(n!)))
            {
                var path = Path.Combine(ExportDir, name!);
                _ = ReadCompleteGzip(path);
                bytesAtKill[name!] = File.ReadAllBytes(path);
            }
        }

        // The kill may also land after the pass finished (a fast disk, a slow watcher): the test then still checks that
        // a restart and further passes neither repeat nor lose anything, only it has not exercised the mid-pass case.
        Assert.InRange(filesAtKill, exportFinishedBeforeKill ? 0 : 1, Requests);

        using var restarted = await ServerProcess.StartAsync(_dataDir, StartDeadline, environment);
        using var http = ServerFixture.UnixHttpClient(restarted.SocketPath);
        var passes = 0;
        while (true)
        {
            Assert.True(++passes <= 10, "export passes kept folding or writing files after 10 passes");
            using var response = await http.PostAsync("/v1/admin/journal/export", null);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"export: {(int)response.StatusCode} {body}");
            var report = JsonDocument.Parse(body).RootElement;
            var folded = report.GetProperty("folded").GetInt32();
            var files = report.GetProperty("files").GetArrayLength();
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: pass {passes} after restart: folded {folded}, files {files}");
            if (folded == 0 && files == 0)
            {
                break;
            }
        }

        // The directory holds only export files: a temporary left by the kill belongs to a segment the cursor has since
        // passed, and the archiver removes those; a finished pass leaves none behind.
        var entries = Directory.GetFileSystemEntries(ExportDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.All(entries, name => Assert.Matches(ExportName(), name!));

        // Segments are numbered 1, 2, … with no gap, each a complete gzip CSV with its header.
        var numbers = entries.Select(n => long.Parse(n!.AsSpan(8, 12), NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), numbers);
        // A file whose cursor move the kill prevented is written again, with the same bytes (a reader that saw the
        // first copy sees nothing change).
        foreach (var (name, bytes) in bytesAtKill)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(ExportDir, name))), $"{name} changed after the restart");
        }

        var seen = new Dictionary<(string Txid, string Step), List<string>>();
        foreach (var name in entries)
        {
            var text = ReadCompleteGzip(Path.Combine(ExportDir, name!));
            Assert.True(text.EndsWith("\r\n", StringComparison.Ordinal), $"{name} does not end with CRLF");
            var lines = text[..^2].Split("\r\n");
            Assert.Equal(Header, lines[0]);
            Assert.True(lines.Length > 1, $"{name} has no rows");
            foreach (var line in lines.Skip(1))
            {
                // The messages have no comma, quote or line break in any field: a plain split is the CSV.
                var fields = line.Split(',');
                Assert.True(fields.Length == 13, $"{name}: a row of {fields.Length} fields: {line}");
                var key = (fields[0], fields[2]);
                if (!seen.TryGetValue(key, out var where))
                {
                    seen[key] = where = [];
                }

                where.Add(name!);
            }
        }

        var expected = txids.SelectMany(t => new[] { (t, "begin"), (t, "commit") }).ToHashSet();
        var missing = expected.Where(k => !seen.ContainsKey(k)).ToList();
        var duplicated = seen.Where(s => s.Value.Count > 1).ToList();
        var unexpected = seen.Keys.Where(k => !expected.Contains(k)).ToList();
        output.WriteLine($"{entries.Count} files after restart ({filesAtKill} before the kill), {seen.Count} distinct rows, {passes} passes");
        Assert.True(missing.Count == 0, $"{missing.Count} appended steps are in no export file, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} steps are exported more than once, e.g. {string.Join("; ", duplicated.Take(5).Select(d => $"{d.Key} in {string.Join(" ", d.Value)}"))}");
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} exported rows were never appended, e.g. {string.Join(", ", unexpected.Take(5))}");

        // Exported requests still answer their status (from history), with their commit message.
        foreach (var i in Enumerable.Range(0, Requests).Where(i => i % 97 == 0 || i == Requests - 1))
        {
            var (status, _, body) = await JournalHttp.CompatStatusAsync(http, "/compat/journal", txids[i]);
            Assert.True(status == HttpStatusCode.OK, $"status of {txids[i]}: {(int)status} {body}");
            Assert.Equal(CommitMessage(i), JsonDocument.Parse(body).RootElement.GetProperty("status").GetRawText());
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: done");
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static string CommitMessage(int i) => $$"""{"result":"ok","n":{{i}}}""";

    // begin + commit of every request, spread over concurrent writers (each one request at a time, in order).
    private static async Task AppendAllAsync(string socketPath, IReadOnlyList<string> txids)
    {
        var next = -1;
        async Task WriterAsync()
        {
            using var http = ServerFixture.UnixHttpClient(socketPath);
            for (var i = Interlocked.Increment(ref next); i < txids.Count; i = Interlocked.Increment(ref next))
            {
                var txid = txids[i];
                await JournalHttp.CompatAppendAsync(http, "/compat/journal", txid, "begin", $$"""{"request_id":"{{txid}}","host":"h{{i % 7}}","user_id":"u{{i % 13}}","verb":"put"}""");
                await JournalHttp.CompatAppendAsync(http, "/compat/journal", txid, "commit", CommitMessage(i));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(WriterAsync))).WaitAsync(TimeSpan.FromSeconds(60));
    }

    // The text of a gzip file, after checking that it is whole: decompresses to the end, and the trailer's CRC-32 and
    // length match what was decompressed (a file cut short fails one or the other).
    private static string ReadCompleteGzip(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length >= 18 && bytes[0] == 0x1f && bytes[1] == 0x8b, $"{Path.GetFileName(path)} is not a gzip file ({bytes.Length} bytes)");
        byte[] content;
        using (var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress))
        using (var plain = new MemoryStream())
        {
            gzip.CopyTo(plain);
            content = plain.ToArray();
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        Assert.True(size == (uint)content.Length && crc == Crc32(content), $"{Path.GetFileName(path)}: the gzip trailer does not match the content (cut short?)");
        return Encoding.UTF8.GetString(content);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    [GeneratedRegex(@"^journal-\d{12}\.csv\.gz$")]
    private static partial Regex ExportName();
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Bench.Carts;
using Cairn.Contracts;

// cairn-bench-carts: a cart's staging from the POSIX directory archive and its download as a tar, beside GNU tar over the
// same files as the physical reference. bench/carts.sh is the one-command front end (builds Release, writes bench/results/).
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Options.Usage);
    return 0;
}

Options o;
try
{
    o = Options.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    await Console.Error.WriteLineAsync("cairn-bench-carts: " + ex.Message + Environment.NewLine + Options.Usage).ConfigureAwait(false);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
var ct = cts.Token;

var work = o.Work is null ? Directory.CreateTempSubdirectory("cairn-bench-carts-").FullName : Directory.CreateDirectory(Path.Combine(o.Work, "cairn-bench-carts-" + Guid.NewGuid().ToString("N")[..8])).FullName;
var rows = new List<Row>();
var notes = new List<string>();
try
{
    var archive = Directory.CreateDirectory(Path.Combine(work, "archive")).FullName;
    var cases = new List<(string Name, int Count, long Size)>();
    foreach (var c in o.Cases)
    {
        var (count, size) = c == "small" ? (o.SmallCount, o.SmallSize) : (o.LargeCount, o.LargeSize);
        var payload = count * size;

        // The files, their staged copy on the server's volume, and the reference tar file, with 2 GiB to spare.
        var need = (3 * payload) + (2L << 30);
        var free = new DriveInfo(work).AvailableFreeSpace;
        if (free < need)
        {
            var note = $"{c}: skipped, {Mb(need)} MB needed on {work}'s disk, {Mb(free)} MB free";
            notes.Add(note);
            Console.WriteLine(note);
            continue;
        }

        Console.WriteLine($"== preparing {c}: {count} × {Size(size)} of random bytes");
        await WriteFilesAsync(Path.Combine(archive, c), count, size, ct).ConfigureAwait(false);
        cases.Add((c, count, size));
    }

    await using var server = await CairnProcess.StartAsync(o.Cairn!, Path.Combine(work, "data"), archive, ct).ConfigureAwait(false);
    Console.WriteLine($"== cairn serve at {server.Endpoint}");
    Console.WriteLine(Row.Header);
    foreach (var (name, count, size) in cases)
    {
        var row = await MeasureAsync(server, archive, name, count, size, o.Runs, work, ct).ConfigureAwait(false);
        rows.Add(row);
        Console.WriteLine(row.Line());
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

var markdown = Markdown(rows, notes, o);
Console.WriteLine();
Console.WriteLine(markdown);
if (o.Markdown is not null)
{
    await File.WriteAllTextAsync(o.Markdown, markdown, ct).ConfigureAwait(false);
}

return 0;

static async Task WriteFilesAsync(string dir, int count, long size, CancellationToken ct)
{
    Directory.CreateDirectory(dir);
    var random = new Random(count ^ (int)size);
    var buffer = new byte[(int)Math.Min(size == 0 ? 1 : size, 4 << 20)];
    var width = Math.Max(4, (count - 1).ToString(CultureInfo.InvariantCulture).Length);
    for (var i = 0; i < count; i++)
    {
        var stream = new FileStream(Path.Combine(dir, "f" + i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0') + ".bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            for (long left = size; left > 0;)
            {
                random.NextBytes(buffer);
                var n = (int)Math.Min(left, buffer.Length);
                await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                left -= n;
            }
        }
    }
}

static async Task<Row> MeasureAsync(CairnProcess server, string archive, string name, int count, long size, int runs, string work, CancellationToken ct)
{
    var dir = Path.Combine(archive, name);
    var ids = Directory.GetFiles(dir).Select(f => name + "/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
    var cart = new CreateCartDto { FileIds = [.. ids.Select(id => new CartFileRequestDto { Id = JsonSerializer.SerializeToElement(id), Path = id })] };
    var uid = "bench-" + name;
    var payload = count * size;

    // Staging: the POST to the cart's ready state, as its event stream says it.
    var staging = Stopwatch.StartNew();
    var created = await server.Client.CreateCartAsync(uid, cart, ct).ConfigureAwait(false);
    var state = created.State;
    var message = "";
    using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
    {
        deadline.CancelAfter(TimeSpan.FromHours(1));
        await foreach (var change in server.Client.WatchCartAsync(uid, created.ModRevision, deadline.Token).ConfigureAwait(false))
        {
            if (change.Type == CartEventTypes.Cart && change.Cart is { } c && CartStates.IsSettled(c.State))
            {
                state = c.State;
                message = c.Message;
                break;
            }
        }
    }

    staging.Stop();
    if (state != CartStates.Ready)
    {
        throw new InvalidOperationException($"cart {uid} ended {state}: {message} ({server.Log})");
    }

    var info = await server.Client.GetCartTarInfoAsync(uid, "bench.tar", ct).ConfigureAwait(false);
    if (info.Length <= 512L << 20)
    {
        // One untimed download first, so that neither side's code is compiled during the timed ones (a large case
        // runs after the small one, warm already, and is not read twice more for it).
        await server.Client.DownloadCartAsync(uid, Stream.Null, fileName: "bench.tar", cancellationToken: ct).ConfigureAwait(false);
    }

    var client = new List<double>();
    var curl = new List<double>();
    var tarPipe = new List<double>();
    var tarFile = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        var watch = Stopwatch.StartNew();
        var result = await server.Client.DownloadCartAsync(uid, Stream.Null, fileName: "bench.tar", cancellationToken: ct).ConfigureAwait(false);
        client.Add(watch.Elapsed.TotalSeconds);
        if (result.Length != info.Length)
        {
            throw new InvalidOperationException($"the client's download was {result.Length} bytes, not {info.Length}");
        }

        var url = $"{server.Endpoint}/v1/carts/{uid}/tar?filename=bench.tar";
        var curlOut = await RunAsync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", url], ct).ConfigureAwait(false);
        var parts = curlOut.Output.Trim().Split(' ');
        if (parts.Length != 3 || parts[0] != "200" || long.Parse(parts[1], CultureInfo.InvariantCulture) != info.Length)
        {
            throw new InvalidOperationException($"curl answered '{curlOut.Output.Trim()}' for {url}");
        }

        curl.Add(double.Parse(parts[2], CultureInfo.InvariantCulture));

        // GNU tar does not read the files at all when its archive is /dev/null itself: it writes to a pipe instead.
        tarPipe.Add((await RunAsync("bash", ["-c", "tar -cf - -C \"$1\" . | cat > /dev/null", "tar", dir], ct).ConfigureAwait(false)).Seconds);
        var outTar = Path.Combine(work, "reference.tar");
        tarFile.Add((await RunAsync("tar", ["-cf", outTar, "-C", dir, "."], ct).ConfigureAwait(false)).Seconds);
        File.Delete(outTar);
    }

    await server.Client.DeleteCartAsync(uid, ct).ConfigureAwait(false);
    return new Row(name, count, size, payload, info.Length, staging.Elapsed.TotalSeconds, Median(client), Median(curl), Median(tarPipe), Median(tarFile));
}

static async Task<(string Output, double Seconds)> RunAsync(string file, string[] arguments, CancellationToken ct)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    var watch = Stopwatch.StartNew();
    using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
    var output = process.StandardOutput.ReadToEndAsync(ct);
    var error = process.StandardError.ReadToEndAsync(ct);
    await process.WaitForExitAsync(ct).ConfigureAwait(false);
    var seconds = watch.Elapsed.TotalSeconds;
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error.ConfigureAwait(false)}");
    }

    return (await output.ConfigureAwait(false), seconds);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Mb(long bytes) => (bytes / 1e6).ToString("0", CultureInfo.InvariantCulture);

static string Size(long bytes) => bytes >= 1 << 30 && bytes % (1 << 30) == 0 ? $"{bytes >> 30} GiB"
    : bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB"
    : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? $"{bytes >> 10} KiB" : $"{bytes} B";

static string Markdown(List<Row> rows, List<string> notes, Options o)
{
    var md = new StringBuilder();
    md.AppendLine(Row.MarkdownHeader);
    foreach (var row in rows)
    {
        md.AppendLine(row.Markdown(Size(row.FileSize)));
    }

    md.AppendLine();
    md.AppendLine($"MB/s are 10⁶ bytes per second: staging over the files' bytes, downloads and tar over the tar's bytes. Downloads and tar runs: median of {o.Runs}{(o.Quick ? " (--quick sizes: a smoke run, not a measurement)" : "")}.");
    md.AppendLine("Warm cache throughout: the files were written just before (the page cache cannot be dropped here), so tar and staging read them from memory; staging writes and fsyncs each file onto the server's volume (same disk).");
    md.AppendLine("Staging is POST /v1/carts/{uid} → `ready` on the cart's event stream (directory archive: every file is on disk; copied, hashed, fsynced). Client: Cairn.Client's DownloadCartAsync to Stream.Null. curl: `curl -o /dev/null`. tar → pipe: `tar -cf - -C DIR . | cat > /dev/null` (GNU tar skips reading the files when its archive is /dev/null itself). tar → file: `tar -cf out.tar -C DIR .` on the same disk.");
    foreach (var note in notes)
    {
        md.AppendLine("- " + note);
    }

    return md.ToString();
}

/// <summary>One case's measurements.</summary>
internal sealed record Row(string Case, int Files, long FileSize, long Payload, long TarBytes, double StagingSeconds, double ClientSeconds, double CurlSeconds, double TarPipeSeconds, double TarFileSeconds)
{
    public const string Header = "case    files  payload MB  tar MB  staging s  staging MB/s  client MB/s  curl MB/s  tar→pipe MB/s  tar→file MB/s";

    public const string MarkdownHeader = "| case | files | payload | staging s | staging MB/s | download, client MB/s | download, curl MB/s | tar → pipe MB/s | tar → file MB/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|";

    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"{Case,-7} {Files,5}  {Payload / 1e6,10:0.0}  {TarBytes / 1e6,6:0.0}  {StagingSeconds,9:0.000}  {Rate(Payload, StagingSeconds),12:0.0}  {Rate(TarBytes, ClientSeconds),11:0.0}  {Rate(TarBytes, CurlSeconds),9:0.0}  {Rate(TarBytes, TarPipeSeconds),13:0.0}  {Rate(TarBytes, TarFileSeconds),13:0.0}");

    public string Markdown(string fileSize) => string.Create(CultureInfo.InvariantCulture,
        $"| {Case} | {Files:N0} × {fileSize} | {Payload / 1e6:0.0} MB | {StagingSeconds:0.00} | {Rate(Payload, StagingSeconds):0.0} | {Rate(TarBytes, ClientSeconds):0.0} | {Rate(TarBytes, CurlSeconds):0.0} | {Rate(TarBytes, TarPipeSeconds):0.0} | {Rate(TarBytes, TarFileSeconds):0.0} |");

    private static double Rate(long bytes, double seconds) => seconds > 0 ? bytes / 1e6 / seconds : 0;
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Testing.Archive;

/// <summary>
/// The Pacifica archive interface (<c>pacifica-archiveinterface</c>, the service pacifica-cartd stages from) as its
/// v0.x source answers, over HTTP on <c>http://127.0.0.1:&lt;random port&gt;/</c>. The real one is a Python (CherryPy)
/// service from PyPI that cannot be installed here (this machine has no PyPI access), so this reimplements its protocol
/// from its source (<c>rest_generator.py</c>, <c>archive_utils.py</c>, the POSIX backend):
/// <list type="bullet">
/// <item><c>GET /</c> → 200 <c>{"message": "Pacifica Archive Interface Up and Running"}</c>.</item>
/// <item><c>PUT /&lt;id&gt;</c> stores the body (mtime from a <c>Last-Modified</c> HTTP date, else now) → 201
/// <c>{"message": "File added to archive", "total_bytes": n}</c>.</item>
/// <item><c>POST /&lt;id&gt;</c> stages → 200 <c>{"message": "File was staged", "file": id}</c>.</item>
/// <item><c>HEAD /&lt;id&gt;</c> → 204 with <c>X-Pacifica-Messsage</c> (sic), <c>X-Pacifica-File</c>,
/// <c>X-Content-Length</c>, <c>Last-Modified</c> and <c>X-Pacifica-Ctime</c> as Python's <c>str(float)</c> of seconds
/// since the epoch, <c>X-Pacifica-Bytes-Per-Level</c> (a tuple), <c>X-Pacifica-File-Storage-Media</c>.</item>
/// <item><c>GET /&lt;id&gt;[?byte_range=start-end]</c> streams the file (end exclusive), chunked.</item>
/// <item><c>DELETE /&lt;id&gt;</c> → 200 with no body.</item>
/// </list>
/// Where the real one fails to open a file (a missing id on POST, GET, DELETE) it raises, and CherryPy answers 500 with
/// the archive's JSON error page (<c>status</c>, <c>message</c>, <c>traceback</c>, <c>version</c>); so does this.
/// One deliberate difference: <c>HEAD</c> of a missing id answers 404 with the "File Not found" values that
/// <c>archive_utils.file_status</c> writes for a missing status (the POSIX backend itself would fail to open the file
/// and answer 500; other backends answer 404), so that both answers are exercised: <see cref="FailStatus"/> gives the 500.
/// Ids are the path after the first <c>/</c>, percent-decoded once (so <c>a%20b%2Fc%3Fd</c> is <c>a b/c?d</c>).
/// </summary>
/// <remarks>Test controls are thread-safe and act on the next requests. Files given as a path or uploaded are read from
/// disk as they are served, so GiB files cost no memory.</remarks>
public sealed class PacificaArchiveServer : IAsyncDisposable
{
    private const string CherryPyVersion = "18.6.1";
    private const int Chunk = 1 << 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ArchivedFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdCounters> _counters = new(StringComparer.Ordinal);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-archive-" + Guid.NewGuid().ToString("N")[..12]);
    private WebApplication? _app;
    private long _bytesPerSecond;
    private int _uploads;

    /// <summary><c>http://127.0.0.1:PORT/</c>, with its trailing <c>/</c>.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Where uploaded files are kept (the archive's prefix).</summary>
    public string Directory => _directory;

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<PacificaArchiveServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new PacificaArchiveServer();
        try
        {
            await server.StartServerAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds (or replaces) <paramref name="id"/> with <paramref name="content"/>, kept in memory.</summary>
    public void Put(string id, byte[] content, DateTimeOffset? modified = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        var time = modified ?? DateTimeOffset.UtcNow;
        lock (_lock)
        {
            _files[id] = new ArchivedFile(content, null, content.Length, time, time);
        }
    }

    /// <summary>Adds (or replaces) <paramref name="id"/> as the file at <paramref name="path"/>, read from there when
    /// served (not copied: it must stay until the server is disposed).</summary>
    public void Put(string id, string path, DateTimeOffset? modified = null)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"No file '{path}' to archive.", path);
        }

        var time = modified ?? new DateTimeOffset(info.LastWriteTimeUtc);
        lock (_lock)
        {
            _files[id] = new ArchivedFile(null, info.FullName, info.Length, time, time);
        }
    }

    /// <summary>Removes <paramref name="id"/>.</summary>
    public void Remove(string id)
    {
        lock (_lock)
        {
            _files.Remove(id);
        }
    }

    /// <summary>Puts <paramref name="id"/> on tape: reads fail (500) and status says <c>tape</c> until a stage request,
    /// then for <paramref name="polls"/> more status calls (<see cref="int.MaxValue"/>: forever), then <c>disk</c>.</summary>
    public void SetTape(string id, int polls)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(polls);
        lock (_lock)
        {
            var file = _files.TryGetValue(id, out var f) ? f : throw new KeyNotFoundException($"No file '{id}' in the archive.");
            file.OnTape = true;
            file.Staged = false;
            file.TapePolls = polls;
        }
    }

    /// <summary>Status calls of <paramref name="id"/> report <paramref name="size"/> (the text of
    /// <c>X-Content-Length</c>) instead of its length, e.g. the seed's test's <c>10000000000000000000000</c>.</summary>
    public void ReportSize(string id, string size)
    {
        lock (_lock)
        {
            (_files.TryGetValue(id, out var f) ? f : throw new KeyNotFoundException($"No file '{id}' in the archive.")).ReportedSize = size;
        }
    }

    /// <summary>The next <paramref name="count"/> status calls of <paramref name="id"/> answer 500 with none of the
    /// Pacifica headers.</summary>
    public void FailStatus(string id, int count)
    {
        lock (_lock)
        {
            Counters(id).StatusFailures = count;
        }
    }

    /// <summary>The next <paramref name="count"/> reads of <paramref name="id"/> send <paramref name="afterBytes"/>
    /// bytes and then abort the connection.</summary>
    public void FailGet(string id, int count, long afterBytes)
    {
        lock (_lock)
        {
            var counters = Counters(id);
            counters.GetFailures = count;
            counters.GetFailureAfter = afterBytes;
        }
    }

    /// <summary>Limits every read to about <paramref name="bytesPerSecond"/> (0: no limit).</summary>
    public void Throttle(long bytesPerSecond) => Interlocked.Exchange(ref _bytesPerSecond, Math.Max(0, bytesPerSecond));

    /// <summary>Status (HEAD) requests for <paramref name="id"/> so far.</summary>
    public int StatusCalls(string id) => (int)Read(id, c => c.Status);

    /// <summary>Stage (POST) requests for <paramref name="id"/> so far.</summary>
    public int StageCalls(string id) => (int)Read(id, c => c.Stage);

    /// <summary>Read (GET) requests for <paramref name="id"/> so far.</summary>
    public int GetCalls(string id) => (int)Read(id, c => c.Get);

    /// <summary>Bytes of <paramref name="id"/> written to responses so far.</summary>
    public long BytesServed(string id) => Read(id, c => c.BytesServed);

    /// <summary>Whether <paramref name="id"/> is in the archive.</summary>
    public bool Contains(string id)
    {
        lock (_lock)
        {
            return _files.ContainsKey(id);
        }
    }

    /// <summary>Stops the server and removes uploaded files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(System.Net.IPAddress.Loopback, 0);
            options.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var question = raw.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? raw : raw[..question];
        var id = Uri.UnescapeDataString(path.TrimStart('/'));
        var method = context.Request.Method;

        if (id.Length == 0)
        {
            if (HttpMethods.IsGet(method))
            {
                await JsonAsync(context, 200, new Dictionary<string, object> { ["message"] = "Pacifica Archive Interface Up and Running" });
            }
            else
            {
                // CherryPy: the handler needs a file path argument.
                await ErrorAsync(context, 404, "Not Found", "Nothing matches the given URI", string.Empty);
            }

            return;
        }

        if (HttpMethods.IsHead(method))
        {
            Status(context, id);
        }
        else if (HttpMethods.IsPost(method))
        {
            await StageAsync(context, id);
        }
        else if (HttpMethods.IsGet(method))
        {
            await GetAsync(context, id);
        }
        else if (HttpMethods.IsPut(method))
        {
            await PutAsync(context, id);
        }
        else if (HttpMethods.IsDelete(method))
        {
            await DeleteAsync(context, id);
        }
        else
        {
            context.Response.StatusCode = 405;
        }
    }

    private void Status(HttpContext context, string id)
    {
        ArchivedFile? file;
        bool onDisk;
        lock (_lock)
        {
            var counters = Counters(id);
            counters.Status++;
            if (counters.StatusFailures > 0)
            {
                counters.StatusFailures--;
                context.Response.StatusCode = 500;
                return;
            }

            if (_files.TryGetValue(id, out file))
            {
                onDisk = file.OnDisk;
                if (file.OnTape && file.Staged && file.TapePolls is > 0 and < int.MaxValue)
                {
                    file.TapePolls--;
                }
            }
            else
            {
                onDisk = false;
            }
        }

        var headers = context.Response.Headers;
        if (file is null)
        {
            const string missing = "File Not Found";
            context.Response.StatusCode = 404;
            headers["X-Pacifica-Messsage"] = "File Not found";
            headers["X-Pacifica-File"] = missing;
            headers["X-Content-Length"] = missing;
            headers["Last-Modified"] = missing;
            headers["X-Pacifica-Ctime"] = missing;
            headers["X-Pacifica-Bytes-Per-Level"] = missing;
            headers["X-Pacifica-File-Storage-Media"] = missing;
            headers.ContentType = "application/json";
            return;
        }

        var length = file.ReportedSize ?? file.Length.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = 204;
        headers["X-Pacifica-Messsage"] = "File was found";
        headers["X-Pacifica-File"] = HeaderValue(Path.Combine(_directory, id));
        headers["X-Content-Length"] = length;
        headers["Last-Modified"] = PythonFloat(file.Modified);
        headers["X-Pacifica-Ctime"] = PythonFloat(file.Changed);
        headers["X-Pacifica-Bytes-Per-Level"] = onDisk ? $"({length},)" : $"(0, {length})";
        headers["X-Pacifica-File-Storage-Media"] = onDisk ? "disk" : "tape";
        headers.ContentType = "application/json";
    }

    private async Task StageAsync(HttpContext context, string id)
    {
        bool found;
        lock (_lock)
        {
            Counters(id).Stage++;
            found = _files.TryGetValue(id, out var file);
            if (found && file!.OnTape)
            {
                file.Staged = true;
            }
        }

        if (!found)
        {
            await CannotOpenAsync(context, id);
            return;
        }

        await JsonAsync(context, 200, new Dictionary<string, object> { ["message"] = "File was staged", ["file"] = id });
    }

    private async Task GetAsync(HttpContext context, string id)
    {
        ArchivedFile? file;
        long failAfter = -1;
        lock (_lock)
        {
            var counters = Counters(id);
            counters.Get++;
            _files.TryGetValue(id, out file);
            if (counters.GetFailures > 0)
            {
                counters.GetFailures--;
                failAfter = counters.GetFailureAfter;
            }

        }

        if (file is null)
        {
            await CannotOpenAsync(context, id);
            return;
        }

        if (!file.OnDisk)
        {
            await ErrorAsync(context, 500, "Internal Server Error", Unexpected,
                Traceback("Can't read file with error: it is on tape; stage it and wait until its media is disk"));
            return;
        }

        long start = 0, end = file.Length;
        var range = context.Request.Query["byte_range"].ToString();
        if (range.Length > 0)
        {
            var parts = range.Split('-');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out start)
                || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out end))
            {
                await ErrorAsync(context, 500, "Internal Server Error", Unexpected,
                    Traceback($"Invalid byte range format (int-int) given {range}"));
                return;
            }
        }

        // Like the archive: seek to start, then read end - start bytes, as many as the file has.
        var total = Math.Max(0, Math.Min(end, file.Length) - Math.Max(0, start));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        var body = context.Response.Body;
        await context.Response.StartAsync(context.RequestAborted);

        await using var source = file.OpenRead();
        source.Position = Math.Min(Math.Max(0, start), file.Length);
        var buffer = new byte[Chunk];
        long sent = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (sent < total)
        {
            var rate = Interlocked.Read(ref _bytesPerSecond);
            var want = (int)Math.Min(Math.Min(buffer.Length, total - sent), rate > 0 ? Math.Max(1, rate / 20) : long.MaxValue);
            if (failAfter >= 0)
            {
                want = (int)Math.Min(want, failAfter - sent);
                if (want <= 0)
                {
                    await body.FlushAsync(context.RequestAborted);
                    context.Abort();
                    return;
                }
            }

            var n = await source.ReadAsync(buffer.AsMemory(0, want), context.RequestAborted);
            if (n == 0)
            {
                break;
            }

            await body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
            sent += n;
            lock (_lock)
            {
                Counters(id).BytesServed += n;
            }

            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds((double)sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, context.RequestAborted);
                }
            }
        }

        if (failAfter >= 0)
        {
            await body.FlushAsync(context.RequestAborted);
            context.Abort();
        }
    }

    private async Task PutAsync(HttpContext context, string id)
    {
        if (context.Request.ContentLength is not { } contentLength)
        {
            await ErrorAsync(context, 500, "Internal Server Error", Unexpected,
                Traceback("Can't get file content length with error: int() argument must be a string, a bytes-like object or a number, not 'NoneType'"));
            return;
        }

        var modified = DateTimeOffset.UtcNow;
        var header = context.Request.Headers.LastModified.ToString();
        if (header.Length > 0)
        {
            if (!DateTimeOffset.TryParse(header, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out modified))
            {
                await ErrorAsync(context, 500, "Internal Server Error", Unexpected, Traceback("Cant parse the files modtime: " + header));
                return;
            }
        }

        var path = Path.Combine(_directory, "upload-" + Interlocked.Increment(ref _uploads).ToString(CultureInfo.InvariantCulture));
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await context.Request.Body.CopyToAsync(output, Chunk, context.RequestAborted);
        }

        File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
        var length = new FileInfo(path).Length;
        lock (_lock)
        {
            _files[id] = new ArchivedFile(null, path, length, modified, DateTimeOffset.UtcNow);
        }

        await JsonAsync(context, 201, new Dictionary<string, object> { ["message"] = "File added to archive", ["total_bytes"] = contentLength });
    }

    private async Task DeleteAsync(HttpContext context, string id)
    {
        bool removed;
        lock (_lock)
        {
            removed = _files.Remove(id);
        }

        if (!removed)
        {
            await CannotOpenAsync(context, id);
            return;
        }

        context.Response.StatusCode = 200;
    }

    private const string Unexpected = "The server encountered an unexpected condition which prevented it from fulfilling the request.";

    /// <summary>What CherryPy answers when the POSIX backend cannot open a file: its generic 500, the archive's error
    /// at the end of the traceback.</summary>
    private Task CannotOpenAsync(HttpContext context, string id) =>
        ErrorAsync(context, 500, "Internal Server Error", Unexpected, Traceback(
            $"Can't open posix file with error: [Errno 2] No such file or directory: '{Path.Combine(_directory, id)}'"));

    private static string Traceback(string error) =>
        "Traceback (most recent call last):\n  File \"/usr/lib/python3/site-packages/cherrypy/_cprequest.py\", line 638, in respond\n"
        + "    self._do_respond(path_info)\n"
        + $"pacifica.archiveinterface.exception.ArchiveInterfaceError: {error}\n";

    private static Task ErrorAsync(HttpContext context, int status, string reason, string message, string traceback) =>
        JsonAsync(context, status, new Dictionary<string, object>
        {
            ["status"] = $"{status} {reason}",
            ["message"] = message,
            ["traceback"] = traceback,
            ["version"] = CherryPyVersion,
        });

    private static async Task JsonAsync(HttpContext context, int status, Dictionary<string, object> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body), context.RequestAborted);
        }
    }

    /// <summary>Python's <c>str()</c> of a float of seconds since the epoch: shortest round-trip digits, at least one
    /// decimal (<c>1700000000.0</c>, <c>1700000000.123456</c>).</summary>
    private static string PythonFloat(DateTimeOffset time)
    {
        var seconds = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;
        var text = seconds.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>A header value as CherryPy sends one: as is when it is ASCII, else RFC 2047-encoded UTF-8.</summary>
    private static string HeaderValue(string value) =>
        value.All(char.IsAscii) && !value.Any(char.IsControl)
            ? value
            : "=?utf-8?b?" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)) + "?=";

    private long Read(string id, Func<IdCounters, long> field)
    {
        lock (_lock)
        {
            return field(Counters(id));
        }
    }

    private IdCounters Counters(string id)
    {
        if (!_counters.TryGetValue(id, out var counters))
        {
            _counters[id] = counters = new IdCounters();
        }

        return counters;
    }
}

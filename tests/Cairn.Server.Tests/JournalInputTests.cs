using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Server.Tests;

/// <summary>
/// What the seed's server took as input and Cairn must take too — any txid and step Flask routed (Unicode, spaces,
/// <c>@ + % #</c>, up to the 4 KiB the request line allowed), <c>application/*+json</c> bodies, JSON nested up to
/// Python's recursion limit and holding NaN or Infinity — and what it answered for <c>HEAD /status/…</c> and other
/// methods on a step's path; with the input that must still be refused (4xx, nothing written). Over real TCP and Unix
/// sockets, on every backend: each test gets a server of its own (a derived class says on which backend), with a fake
/// clock, the secondary on, and folding at once when an export is asked for.
/// </summary>
public abstract partial class JournalInputTests : IAsyncLifetime
{
    private JournalServerFixture? _server;

    /// <summary>The four places the compat API is served: the journal's own Unix socket and TCP port (at the root) and
    /// the main listeners (under <c>/compat/journal</c>).</summary>
    protected static readonly string[] Mounts = ["journal-unix", "journal-tcp", "main-tcp", "main-unix"];

    protected JournalServerFixture Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Points <paramref name="server"/> at the backend under test (before it starts).</summary>
    protected abstract Task ConfigureBackendAsync(JournalServerFixture server);

    public async Task InitializeAsync()
    {
        var server = new JournalServerFixture();
        server.Settings["Journal:FoldAge"] = "00:00:01";
        server.Settings["Journal:ExportInterval"] = "1.00:00:00";
        await ConfigureBackendAsync(server);
        try
        {
            await server.InitializeAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        _server = server;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    // The seed's client (Python requests) sends a name as UTF-8 with every byte percent-encoded except those a path may
    // hold as they are (requote_uri): '@', '+', ':' and the like arrive raw, a space, '%', '#', '?' and non-ASCII
    // encoded.
    protected static string Segment(string name)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "-._~@+:;=,!$&'()*".Contains((char)b, StringComparison.Ordinal))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    /// <summary>Sends <paramref name="method"/> <paramref name="target"/> byte for byte to a compat mount (with its
    /// prefix), with a JSON body when one is given.</summary>
    protected Task<(int Status, string Head, string Body)> CompatRawAsync(string where, string method, string target, string? json = null, string contentType = "application/json")
    {
        var (address, prefix) = Server.CompatRaw(where);
        return RawAsync(address, method, prefix + target, json, contentType);
    }

    protected static Task<(int Status, string Head, string Body)> RawAsync(string address, string method, string target, string? json = null, string contentType = "application/json")
    {
        var body = json is null ? null : Encoding.UTF8.GetBytes(json);
        var head = $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + (body is null ? "" : $"Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\n")
            + "\r\n";
        return RawHttp.SendAsync(address, head, body);
    }

    /// <summary>The value of header <paramref name="name"/> in a raw answer's head, or null.</summary>
    protected static string? Header(string head, string name) =>
        head.Split("\r\n").Skip(1)
            .Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(line => line[(name.Length + 1)..].Trim())
            .FirstOrDefault();

    /// <summary>Appends through the compat API and asserts the seed's 201 with an empty body.</summary>
    protected async Task CompatAppendAsync(string where, string txid, string step, string json, string contentType = "application/json")
    {
        var (status, _, body) = await CompatRawAsync(where, "POST", $"/{Segment(txid)}/{Segment(step)}", json, contentType);
        Assert.True(status == 201, $"POST {where} {Shown(txid)}/{Shown(step)}: {status} {body}");
        Assert.Equal("", body);
    }

    /// <summary>GET /status/{txid} on a compat mount: the status code and the body.</summary>
    protected async Task<(int Status, string Body)> CompatStatusAsync(string where, string txid)
    {
        var (status, _, body) = await CompatRawAsync(where, "GET", $"/status/{Segment(txid)}");
        return (status, body);
    }

    /// <summary>How many journal keys the store holds, and the files in the secondary: what "nothing written" checks.</summary>
    protected async Task AssertNothingWrittenAsync(string what)
    {
        using var http = Server.TcpHttp();
        var count = JsonDocument.Parse(await http.GetStringAsync("/v1/kv?prefix=/cairn/journal/&countOnly=true")).RootElement.GetProperty("count").GetInt64();
        Assert.True(count == 0, $"{what}: the store holds {count} journal keys");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Server.SecondaryDir));
    }

    /// <summary>Every txid the native API lists, following the pages (the cursor percent-encoded).</summary>
    protected static async Task<List<string>> ListedTxidsAsync(HttpClient http)
    {
        var all = new List<string>();
        string? after = null;
        do
        {
            var page = JsonDocument.Parse(await http.GetStringAsync("/v1/journal?limit=3" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)))).RootElement;
            all.AddRange(page.GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("txid").GetString()!));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        return all;
    }

    /// <summary>Runs one fold-and-export pass with the clock past the fold age; returns the files it wrote.</summary>
    protected async Task<List<string>> FoldAndExportAsync()
    {
        Server.Clock.Advance(TimeSpan.FromMinutes(1));
        using var http = Server.TcpHttp();
        using var response = await http.PostAsync("/v1/admin/journal/export", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export: {(int)response.StatusCode} {body}");
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!)];
    }

    /// <summary>The rows (CRLF-separated lines) of every export file in the server's export directory.</summary>
    protected List<string> ExportedRows()
    {
        var rows = new List<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(Server.DataDir, "journal-export"), "journal-*.csv.gz"))
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            rows.AddRange(reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        }

        return rows;
    }

    protected CairnClient Client() => new(Server.TcpEndpoint);

    /// <summary>A name as an assertion message shows it: at most 60 characters.</summary>
    protected static string Shown(string name) => name.Length <= 60 ? name : name[..60] + $"…({name.Length} chars)";

    protected static string Unique() => Guid.NewGuid().ToString("N")[..12];
}

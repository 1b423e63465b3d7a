using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests;

/// <summary>
/// A server whose journal also listens on a Unix socket and a TCP port of its own (<c>Journal:Listen</c>), where the
/// seed-compatible API is at the root, as the seed's clients expect.
/// </summary>
public sealed class JournalServerFixture : ServerFixture
{
    public JournalServerFixture()
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        Settings["Journal:Listen:0"] = "unix:" + JournalSocketPath;
        Settings["Journal:Listen:1"] = "http://127.0.0.1:0";
    }

    /// <summary>The server's clock: it moves only when a test moves it.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)Time!;

    /// <summary>The journal's own Unix socket (the seed's <c>/tmp/journal.sock</c>, in a temporary directory).</summary>
    public string JournalSocketPath => Path.Combine(DataDir, "journal.sock");

    /// <summary>The journal's own TCP listener, <c>http://127.0.0.1:PORT</c>.</summary>
    public string JournalTcpEndpoint => Server.CompatAddresses("journal").Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    public string SecondaryDir => Server.Services.GetRequiredService<Cairn.Journal.JournalService>().Options.SecondaryDirectory!;

    /// <summary>A client of the compat API and the path prefix it is mounted at: <c>journal-unix</c> and
    /// <c>journal-tcp</c> (root of the journal listeners), <c>main-tcp</c> and <c>main-unix</c> (<c>/compat/journal</c>).</summary>
    public (HttpClient Http, string Prefix) Compat(string where) => where switch
    {
        "journal-unix" => (UnixHttpClient(JournalSocketPath), ""),
        "journal-tcp" => (new HttpClient { BaseAddress = new Uri(JournalTcpEndpoint) }, ""),
        "main-tcp" => (TcpHttp(), "/compat/journal"),
        "main-unix" => (UnixHttp(), "/compat/journal"),
        _ => throw new ArgumentException(where),
    };

    /// <summary>The raw address (for <see cref="RawHttp"/>) and path prefix of a compat mount.</summary>
    public (string Address, string Prefix) CompatRaw(string where) => where switch
    {
        "journal-unix" => ("unix:" + JournalSocketPath, ""),
        "journal-tcp" => (JournalTcpEndpoint, ""),
        "main-tcp" => (TcpEndpoint, "/compat/journal"),
        "main-unix" => (UnixEndpoint, "/compat/journal"),
        _ => throw new ArgumentException(where),
    };
}

internal static class JournalHttp
{
    public static string NewTxid(string prefix = "tx") => prefix + "-" + Guid.NewGuid().ToString("N")[..16];

    public static StringContent Json(string json, string contentType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json, string contentType = "application/json") =>
        await http.PostAsync(path, Json(json, contentType));

    /// <summary>POSTs a step through the compat API and asserts the seed's answer: 201 with an empty body.</summary>
    public static async Task CompatAppendAsync(HttpClient http, string prefix, string txid, string step, string json)
    {
        using var response = await PostAsync(http, $"{prefix}/{txid}/{step}", json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {txid}/{step}: {(int)response.StatusCode} {body}");
        Assert.Equal("", body);
    }

    /// <summary>POSTs a step through the native API and returns the answer's JSON.</summary>
    public static async Task<JsonElement> AppendAsync(HttpClient http, string txid, string step, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await PostAsync(http, $"/v1/journal/{txid}/{step}", json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST /v1/journal/{txid}/{step}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<(HttpStatusCode Status, string ContentType, string Body)> CompatStatusAsync(HttpClient http, string prefix, string txid)
    {
        using var response = await http.GetAsync($"{prefix}/status/{txid}");
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every request id the journal lists (all pages).</summary>
    public static async Task<List<string>> AllTxidsAsync(HttpClient http)
    {
        var all = new List<string>();
        string? after = null;
        do
        {
            var page = JsonDocument.Parse(await http.GetStringAsync("/v1/journal?limit=1000" + (after is null ? "" : "&after=" + after))).RootElement;
            all.AddRange(page.GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("txid").GetString()!));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        return all;
    }
}

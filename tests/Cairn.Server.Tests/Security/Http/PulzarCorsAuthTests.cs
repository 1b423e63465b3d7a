using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>
/// The Pulzar API's CORS while auth is on. Its seed opened it to pages of every origin (<c>Pulzar:AllowedOrigins</c>
/// <c>*</c>, the default); with auth on, a page of any origin could then send requests with the credentials the browser
/// adds by itself (HTTP basic it remembers, a client certificate). So the <c>*</c> lets no page in while auth is on, and
/// the origins the list names still get in.
/// </summary>
public sealed class PulzarCorsAuthTests
{
    private const string Named = "http://dashboard.example:8080";
    private const string Other = "http://evil.example";

    public sealed class AnyOrigin : AuthServerFixture
    {
        public AnyOrigin() => Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
    }

    public sealed class AnyAndNamed : AuthServerFixture
    {
        public AnyAndNamed()
        {
            Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
            Settings["Pulzar:AllowedOrigins"] = "*, " + Named;
        }
    }

    public sealed class WithStar(AnyOrigin fixture) : IClassFixture<AnyOrigin>
    {
        [Fact]
        public async Task APageOfAnyOrigin_IsRefused_EvenWithTheRootsPassword_AndNothingIsWritten()
        {
            using var http = AuthHttp.Basic(Pulzar(fixture), "root", AuthHttp.RootPassword);

            using var preflight = await http.SendAsync(Preflight("/add_key/cors/a.txt", Other));
            using var add = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/cors/a.txt", Other, "page"));

            await AssertRefusedAsync(preflight);
            await AssertRefusedAsync(add);
            Assert.Null(AllowOrigin(add));
            using var get = await http.GetAsync("/get_key/cors/a.txt");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        [Fact]
        public async Task ClientsThatAreNotBrowsers_AreServedWithTheirCredentials()
        {
            using var http = AuthHttp.Basic(Pulzar(fixture), "root", AuthHttp.RootPassword);
            using var add = await http.PutAsync("/add_key/cors/b.txt", new StringContent("tool"));
            Assert.True(add.IsSuccessStatusCode, $"{(int)add.StatusCode} {await add.Content.ReadAsStringAsync()}");
        }
    }

    public sealed class WithStarAndANamedOrigin(AnyAndNamed fixture) : IClassFixture<AnyAndNamed>
    {
        [Fact]
        public async Task TheNamedOrigin_GetsIn_AndAnyOtherIsRefused()
        {
            using var http = AuthHttp.Basic(Pulzar(fixture), "root", AuthHttp.RootPassword);

            using var preflight = await http.SendAsync(Preflight("/add_key/cors/c.txt", Named));
            using var add = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/cors/c.txt", Named, "page"));
            using var other = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/cors/d.txt", Other, "page"));

            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.True(add.IsSuccessStatusCode, $"{(int)add.StatusCode} {await add.Content.ReadAsStringAsync()}");
            Assert.NotNull(AllowOrigin(add));
            await AssertRefusedAsync(other);
        }
    }

    private static string Pulzar(ServerFixture fixture) =>
        fixture.Server.CompatAddresses("pulzar").First(a => a.StartsWith("http://", StringComparison.Ordinal));

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {body}");
        var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("Pulzar:AllowedOrigins holds *", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("no authentication", detail, StringComparison.Ordinal);
    }

    private static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? string.Join(",", values) : null;

    private static HttpRequestMessage Preflight(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "PUT");
        request.Headers.Add("Sec-Fetch-Mode", "cors");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        return request;
    }

    // What fetch() on a page of another origin sends: Origin, and the browser's Sec-Fetch-* marks.
    private static HttpRequestMessage FromPage(HttpMethod method, string path, string origin, string body)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body) };
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Sec-Fetch-Mode", "cors");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        return request;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>What the auth tests do over HTTP: bootstrap (a root user, then enable), users and roles, logging in, and
/// clients that carry a credential.</summary>
internal static class AuthHttp
{
    public const string RootPassword = "root-secret";

    /// <summary>Bootstraps auth as an operator would, while it is still off: user <c>root</c> with role <c>root</c>, then
    /// <c>POST /v1/auth/enable</c>.</summary>
    public static async Task BootstrapAsync(HttpClient http)
    {
        await AddUserAsync(http, "root", RootPassword, ["root"]);
        var enabled = await http.PostAsync("/v1/auth/enable", null);
        Assert.True(enabled.StatusCode == HttpStatusCode.OK, $"enable: {(int)enabled.StatusCode} {await enabled.Content.ReadAsStringAsync()}");
        Assert.True((await enabled.Content.ReadFromJsonAsync<AuthStatusDto>(WireJson.Options))!.Enabled);
    }

    public static async Task<UserDto> AddUserAsync(HttpClient http, string name, string? password, IReadOnlyList<string> roles)
    {
        var response = await http.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = name, Password = password, Roles = [.. roles] }, WireJson.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"add user {name}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<UserDto>(body, WireJson.Options)!;
    }

    public static async Task AddRoleAsync(HttpClient http, string name, params PermissionDto[] permissions)
    {
        var response = await http.PostAsJsonAsync("/v1/auth/roles", new RoleDto { Name = name, Permissions = [.. permissions] }, WireJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"add role {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<HttpResponseMessage> TryLoginAsync(HttpClient http, string user, string password) =>
        await http.PostAsJsonAsync("/v1/auth/login", new LoginDto { User = user, Password = password }, WireJson.Options);

    public static async Task<TokenResultDto> LoginAsync(HttpClient http, string user, string password)
    {
        var response = await TryLoginAsync(http, user, password);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"login {user}: {(int)response.StatusCode} {body}");
        var token = JsonSerializer.Deserialize<TokenResultDto>(body, WireJson.Options)!;
        Assert.StartsWith("cairn_", token.Token, StringComparison.Ordinal);
        return token;
    }

    /// <summary>A client of <paramref name="endpoint"/> that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient Bearer(string endpoint, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(endpoint) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A client of <paramref name="endpoint"/> that sends a user and password (HTTP basic auth).</summary>
    public static HttpClient Basic(string endpoint, string user, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri(endpoint) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        return http;
    }

    public static async Task<AuthStatusDto> StatusAsync(HttpClient http)
    {
        var response = await http.GetAsync("/v1/auth/status");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"status: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<AuthStatusDto>(WireJson.Options))!;
    }

    /// <summary>Asserts a 401 problem that says how to authenticate.</summary>
    public static async Task AssertUnauthenticatedAsync(HttpResponseMessage response)
    {
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    /// <summary>Asserts that an open event stream ends (the server aborts it) well before a read would time out.</summary>
    public static async Task AssertEndsAsync(SseStream stream)
    {
        var ended = await Record.ExceptionAsync(async () =>
        {
            while (true)
            {
                await stream.NextAsync();
            }
        });
        Assert.True(ended is not null and not TimeoutException, $"the stream should have ended at once, but: {ended}");
    }

    /// <summary>The audit file's lines, as JSON.</summary>
    public static List<JsonElement> AuditLines(string file) =>
        [.. ReadShared(file).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

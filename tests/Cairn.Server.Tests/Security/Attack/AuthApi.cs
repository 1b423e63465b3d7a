using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>The calls of <c>/v1/auth/*</c> the attack tests make, as an operator would make them (over HTTP, never
/// through the server's services), each asserting its documented answer.</summary>
internal static class AuthApi
{
    /// <summary>Answers are read leniently: a field the server adds later must not break the attack tests.</summary>
    private static readonly JsonSerializerOptions Read = new(JsonSerializerDefaults.Web);

    /// <summary>A deadline against a hang, not a measure of speed: generous for a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A permission: <paramref name="actions"/> on <paramref name="resource"/> names starting with
    /// <paramref name="prefix"/> (null: a grant on the whole resource, for the unnamed ones).</summary>
    public static PermissionDto Grant(string resource, string? prefix, params string[] actions) =>
        new() { Resource = resource, Actions = [.. actions], Key = prefix ?? "", Prefix = prefix is not null };

    public static async Task AddRoleAsync(HttpClient http, string name, params PermissionDto[] permissions) =>
        await ExpectAsync(await http.PostAsync("/v1/auth/roles", Json(new RoleDto { Name = name, Permissions = [.. permissions] })), HttpStatusCode.Created, $"add role {name}");

    public static async Task AddUserAsync(HttpClient http, string name, string? password, params string[] roles) =>
        await ExpectAsync(await http.PostAsync("/v1/auth/users", Json(new CreateUserDto { Name = name, Password = password, Roles = [.. roles] })), HttpStatusCode.Created, $"add user {name}");

    public static async Task EnableAsync(HttpClient http)
    {
        var status = await ReadAsync<AuthStatusDto>(await http.PostAsync("/v1/auth/enable", null), HttpStatusCode.OK, "enable auth");
        Assert.True(status.Enabled, "POST /v1/auth/enable answered, but says auth is still off");
    }

    public static async Task<TokenResultDto> LoginAsync(HttpClient http, string user, string password) =>
        await ReadAsync<TokenResultDto>(await LoginResponseAsync(http, user, password), HttpStatusCode.OK, $"log in as {user}");

    public static Task<HttpResponseMessage> LoginResponseAsync(HttpClient http, string user, string password) =>
        http.PostAsync("/v1/auth/login", Json(new LoginDto { User = user, Password = password }));

    public static async Task<TokenResultDto> CreateTokenAsync(HttpClient http, string user, string name, string? ttl = null) =>
        await ReadAsync<TokenResultDto>(await http.PostAsync("/v1/auth/tokens", Json(new CreateTokenDto { User = user, Name = name, Ttl = ttl })), HttpStatusCode.Created, $"make an API token for {user}");

    public static async Task RevokeTokenAsync(HttpClient http, string id)
    {
        using var response = await http.DeleteAsync("/v1/auth/tokens/" + Uri.EscapeDataString(id));
        Assert.True(response.IsSuccessStatusCode, $"revoke token {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task RevokeRoleAsync(HttpClient http, string user, string role)
    {
        using var response = await http.DeleteAsync($"/v1/auth/users/{Uri.EscapeDataString(user)}/roles/{Uri.EscapeDataString(role)}");
        Assert.True(response.IsSuccessStatusCode, $"revoke role {role} from {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task RevokePermissionsAsync(HttpClient http, string role, params PermissionDto[] permissions) =>
        await ExpectAsync(await http.PostAsync($"/v1/auth/roles/{Uri.EscapeDataString(role)}/permissions/revoke", Json(new PermissionChangeDto { Permissions = [.. permissions] })), HttpStatusCode.OK, $"revoke permissions of role {role}");

    public static async Task<AuthStatusDto> StatusAsync(HttpClient http) =>
        await ReadAsync<AuthStatusDto>(await http.GetAsync("/v1/auth/status"), HttpStatusCode.OK, "auth status");

    /// <summary>A JSON body in Cairn's wire format.</summary>
    public static StringContent Json<T>(T body) => new(JsonSerializer.Serialize(body, WireJson.Options), Encoding.UTF8, "application/json");

    /// <summary>A JSON body given as text.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{what}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
            return JsonSerializer.Deserialize<T>(body, Read) ?? throw new InvalidOperationException($"{what}: the answer is JSON null");
        }
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{what}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        }
    }
}
